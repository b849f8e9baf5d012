/* exitcode - returning from main must exit with that value. */
int main(void)
{
	return 42;
}
