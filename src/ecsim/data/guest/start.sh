# Turn the namespaces `unshare` just made into an instance, then become its init.
# $1: the instance's directory on the host; $2: ecsim's guest tools (this directory).
# The root is the instance's own directory, with the host's /usr bound read-only (the shared
# OS layer), its own /etc as an overlay over the host's (its own files written on top), and
# fresh /proc, /sys (read-only), /run and a minimal /dev. Nothing else of the host is visible.
set -e
# As PID 1 of its namespace this shell would ignore SIGTERM: a stop during boot must end it.
trap 'exit 143' TERM INT
I="$1"; G="$2"; R="$I/rootfs"
mount --make-rprivate /
mount --bind "$R" "$R"
mount --bind /usr "$R/usr"
mount -o remount,bind,ro "$R/usr"
mount --bind "$G" "$R/usr/local/sbin"
mount -o remount,bind,ro "$R/usr/local/sbin"
mount -t overlay overlay -o "lowerdir=/etc,upperdir=$I/etc-upper,workdir=$I/etc-work" "$R/etc"
mount -t proc proc "$R/proc"
mount -t sysfs -o ro sysfs "$R/sys"
mount -t tmpfs -o mode=755,size=64m tmpfs "$R/run"
mount -t tmpfs -o mode=755,size=4m,nosuid tmpfs "$R/dev"
cd "$R/dev"
mknod -m 666 null c 1 3; mknod -m 666 zero c 1 5; mknod -m 666 full c 1 7
mknod -m 666 random c 1 8; mknod -m 666 urandom c 1 9; mknod -m 666 tty c 5 0
# its data disks and their partitions (loop devices on the host), listed by ecsim: "vdb 7 0"
if [ -s "$I/disks" ]; then
  while read -r name major minor; do mknod -m 660 "$name" b "$major" "$minor"; done < "$I/disks"
fi
mkdir pts shm
mount -t devpts -o newinstance,ptmxmode=0666,mode=620 devpts pts
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs shm
ln -s pts/ptmx ptmx; ln -s /proc/self/fd fd
ln -s /proc/self/fd/0 stdin; ln -s /proc/self/fd/1 stdout; ln -s /proc/self/fd/2 stderr
cd "$R"
mkdir -p .oldroot
pivot_root . .oldroot
exec /usr/sbin/chroot . /bin/sh -c \
  'trap "exit 143" TERM INT; umount -l /.oldroot && rmdir /.oldroot && exec /usr/bin/tini -g -- /bin/sh /usr/local/sbin/ecsim-init'
