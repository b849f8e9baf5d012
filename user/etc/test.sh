# the kernel suite's shell session (shell_script): each line must do what it says
ls /
ls /bin
cat /etc/motd
echo one two three
mkdir /tmp/t
cp /etc/motd /tmp/t/copy
wc /tmp/t/copy
! mkdir /tmp/t
! rm /tmp/t
rm /tmp/t/copy
rm /tmp/t
! cat /tmp/t/copy
! cat /no/such/file
! unmapped
! no-such-program
ringstat cat /etc/motd
# programs are files: one written at run time runs; one that is no program does not
cp /bin/echo /bin/echo2
echo2 hi from a program written at run time
cp /etc/motd /bin/notelf
! notelf
echo the shell goes on
rm /bin/echo2 /bin/notelf
# a working directory: cd and pwd are built-ins; programs start in the shell's
mkdir /tmp/d
cd /tmp/d
pwd
cp /etc/motd m
cat m
cd ..
cat d/m
wc ./d/../d/m
cd
! cat m
! cd /no/such/dir
! cd /etc/motd
rm /tmp/d/m /tmp/d
