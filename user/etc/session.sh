# make run: a scripted session through the shell (sh /etc/session.sh)
# Files are read through the file server, a user-space process:
ls /
cat /etc/motd
wc /README.md /docs/kernel.md
# Writes last until power-off:
mkdir /tmp/work
cp /README.md /tmp/work/readme
ls /tmp/work
# What a program cost: syscalls, traps, syscalls per trap. wc reads 32 KiB
# at a time: 8 requests to the file server (SEND + RECV each) in one trap.
ringstat wc /docs/abi.md
# A program faulting (it reads unmapped memory) while the rest keeps going:
! unmapped
! cat /tmp/work/readme-missing-on-purpose-is-a-clear-error
echo the file server is still there:
wc /tmp/work/readme
rm /tmp/work/readme /tmp/work
ls /tmp
# The file server killed while a client reads (reread runs in the background):
# the client's request ends with -EPIPE, init restarts the server, the client
# and the shell reconnect through init, and the next command works. (The
# restarted server starts from the boot archive: what was written is gone.)
reread /README.md &
kill fs
wait
cat /etc/motd
