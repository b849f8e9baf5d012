# shell_fs_kill: the file server killed while a client reads; init restarts it
reread /README.md &
kill fs
wait
cat /etc/motd
ls /bin
