# Turn the namespaces `unshare` just made into an instance, then become its init.
# $1: the instance's directory on the host; $2: ecsim's guest tools (this directory);
# $3: what all instances boot with alike (skeleton, dev, the etc layer; guest_files.py);
# $4: the system disk's image (none: the writable layer is a directory of the host's);
# $5: "blank" when that image was never written, "again" when ecsim booted it before.
# The writable layer (rootfs, the upper layer of /etc) is in the system disk's file system,
# mounted here only (a loop device that goes with this namespace). The root is its rootfs,
# with the host's /usr bound read-only (the shared OS layer), its own /etc as an overlay over
# the host's (the host's secrets hidden, the instance's files on top), and fresh /proc, /sys
# (read-only), /run and a minimal /dev. Nothing else of the host is visible.
# The file system is the whole disk's ext4, unless the directory's root-layer names another
# (a partition, XFS: system_disk.py). One whose top holds etc/ and no rootfs/ (a distribution's
# disk) is a root itself: its top is the root, its etc/ the upper layer of /etc, and the
# host's OS layer goes over its /usr (and /bin, /sbin, /lib, /lib64 where they are not links).
set -e
# As PID 1 of its namespace this shell would ignore SIGTERM: a stop during boot must end it.
trap 'exit 143' TERM INT
I="$1"; G="$2"; A="$3"; D="$4"; B="$I"; S=""; V=vda; OWN=""
# (unshare has made every mount of this namespace private: nothing propagates to the host)
say() { echo "ecsim: $*"; }
bound() {  # whether a loop device still reads the image (a previous boot's, on its way down)
  for f in /sys/block/loop*/loop/backing_file; do
    [ -r "$f" ] && read -r b < "$f" && [ "$b" = "$D" ] && return 0
  done
  return 1
}
if [ -n "$D" ]; then
  # two file systems over one image would ruin it: the previous boot's must be gone
  n=0
  while [ "$5" = again ] && bound; do
    n=$((n + 1)); [ "$n" -le 1000 ] || { say "the system disk is still in use"; exit 1; }
    sleep 0.01
  done
  # Formatted where it is blank (a sparse image: its inode tables and journal read as zeros
  # already, nothing to write; and no reserved descriptor blocks, online growth converts to
  # meta_bg), or where it holds nothing known (discarded first: zeros too).
  format() {
    mkfs.ext4 -q -F -O ^resize_inode -L ecsim-root "$@" "$D"
  }
  if [ "$5" = blank ]; then
    format -E nodiscard,assume_storage_prezeroed=1 2>/dev/null || format
  fi
  if [ -s "$I/root-layer" ]; then
    # type, offset and size in the image (0 0: all of it), name of the device (vda1)
    read -r T O Z V < "$I/root-layer"
    M=loop; [ "$O" = 0 ] || M="loop,offset=$O,sizelimit=$Z"
    if mount -t "$T" -o "$M" "$D" "$I/disk"; then
      B="$I/disk"
    else
      say "the system disk's root ($V, $T) does not mount; it is a host directory"
    fi
  elif mount -t ext4 -o loop "$D" "$I/disk" 2>/dev/null; then
    B="$I/disk"
  elif blkid -p "$D" >/dev/null 2>&1 || [ $? -ne 2 ]; then
    # something else (a partitioned image, another file system): never formatted over
    say "the system disk holds no file system to mount as the root; it is a host directory"
  else
    format; mount -t ext4 -o loop "$D" "$I/disk"; B="$I/disk"
  fi
  if [ "$B" != "$I" ]; then
    S=$(stat -c '%Hd %Ld' "$B")
    if [ ! -e "$B/rootfs" ] && [ ! -L "$B/rootfs" ] && [ -d "$B/etc" ] && [ ! -L "$B/etc" ]; then
      OWN=1
    # an instance from before roots moved into system disks: its files move in
    elif [ ! -e "$B/rootfs" ] && [ -d "$I/rootfs" ] && [ ! -L "$I/rootfs" ]; then
      cp -a "$I/rootfs" "$I/etc-upper" "$B/" && rm -rf "$I/rootfs" "$I/etc-upper" "$I/etc-work"
    fi
  fi
fi
# the root, the upper layer of its /etc and the overlay's work directory
if [ -n "$OWN" ]; then
  R="$B"; U="$B/etc"; W="$B/.ecsim-etc-work"; parts=".ecsim-etc-work"
else
  R="$B/rootfs"; U="$B/etc-upper"; W="$B/etc-work"; parts="rootfs etc-upper etc-work"
fi
# the disk is the instance's to write: each part must be a directory, never a link out of it
for part in $parts; do
  if [ -L "$B/$part" ] || { [ -e "$B/$part" ] && [ ! -d "$B/$part" ]; }; then
    say "$part on the system disk is not a directory"; exit 1
  fi
done
if [ -n "$OWN" ]; then
  # what a first boot's root has and this one lacks, made anew (nothing of it is replaced)
  for f in "$A/skeleton/"*; do
    [ -e "$R/${f##*/}" ] || [ -L "$R/${f##*/}" ] || cp -a "$f" "$R/"
  done
else
  [ -e "$B/rootfs" ] || cp -a "$A/skeleton" "$B/rootfs"
fi
mkdir -p "$U" "$W"
# what is mounted on below: the root's own directories (a link would lead to the host's)
for part in usr etc proc sys run dev; do
  if [ -L "$R/$part" ] || [ ! -d "$R/$part" ]; then
    say "/$part on the system disk is not a directory"; exit 1
  fi
done
mount --bind "$R" "$R"
mount -o bind,ro /usr "$R/usr"
mount -o bind,ro "$G" "$R/usr/local/sbin"
if [ -n "$OWN" ]; then
  # its programs outside /usr (a root not merged into /usr) give way to the host's too
  for part in bin sbin lib lib64; do
    if [ -d "$R/$part" ] && [ ! -L "$R/$part" ] && [ -e "/$part" ]; then
      mount -o bind,ro "/$part" "$R/$part"
    fi
  done
fi
# no redirects or metacopy: an upper layer written outside the overlay (a crafted image)
# cannot lead to the host's files through them
mount -t overlay overlay -o "lowerdir=$A/etc:/etc,upperdir=$U,workdir=$W,redirect_dir=nofollow,metacopy=off" "$R/etc"
mount -t proc proc "$R/proc"
mount -t sysfs -o ro sysfs "$R/sys"
mount -t tmpfs -o mode=755,size=64m tmpfs "$R/run"
# what the instance leaves for the host (reboot, partition tables changed), and what the host
# staged for this boot (copied in below, once the root is the instance's only)
mkdir "$R/run/ecsim" "$R/run/ecsim-boot"
mount --bind "$I/signals" "$R/run/ecsim"
mount -o bind,ro "$I/boot" "$R/run/ecsim-boot"
mount -t tmpfs -o mode=755,size=4m,nosuid tmpfs "$R/dev"
cd "$R/dev"
cp -a "$A/dev/." .
# the system disk (its loop device), and the data disks and their partitions, listed by
# ecsim: "vdb 7 0"
if [ -n "$S" ]; then mknod -m 660 "$V" b $S; fi
if [ -s "$I/disks" ]; then
  while read -r name major minor; do mknod -m 660 "$name" b "$major" "$minor"; done < "$I/disks"
fi
mount -t devpts -o newinstance,ptmxmode=0666,mode=620 devpts pts
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs shm
cd "$R"
mkdir -p .oldroot
pivot_root . .oldroot
# Inside, with the host's root gone first: links the instance planted lead nowhere but into
# its own files. The host's staged files go over the root (they win over an image's).
exec /usr/sbin/chroot . /bin/sh -c '
set -e
trap "exit 143" TERM INT
umount -l /.oldroot
rmdir /.oldroot
B=/run/ecsim-boot
cp -Rp --remove-destination "$B/files/." / || echo "ecsim: some boot files were not written"
umount "$B" && rmdir "$B"
# named before tini is PID 1: whoever enters the booted instance sees its own host name
hostname "$(cat /etc/hostname)" || echo "ecsim: the host name was not set"
exec /usr/bin/tini -g -- /bin/sh /usr/local/sbin/ecsim-init'
