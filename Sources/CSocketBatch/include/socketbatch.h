#ifndef SWIFT_IKEV1_SOCKET_BATCH_H
#define SWIFT_IKEV1_SOCKET_BATCH_H

/*
 * Several datagrams in one system call: recvmmsg(2) and sendmmsg(2), Linux 2.6.33 and 3.0.
 * glibc declares them only under _GNU_SOURCE, which the Swift Glibc module is not built with,
 * so they are wrapped here. `batch` points at `count` entries laid out as struct mmsghdr (a
 * struct msghdr, then the unsigned int byte count); swift_ikev1_mmsghdr_stride() gives the
 * entry size for the caller to check its own layout against. Where these system calls do not
 * exist the wrappers loop over recvmsg(2)/sendmsg(2), with the same results.
 * No system header is included here: it would make this module the owner of their types.
 */

/* Receives up to `count` datagrams without waiting: how many came (0 when none waited), or -1
   with errno set when the first failed. */
int swift_ikev1_recvmmsg(int fd, void *batch, unsigned int count);

/* Sends up to `count` datagrams without waiting: how many left, or -1 with errno set when the
   first could not. */
int swift_ikev1_sendmmsg(int fd, void *batch, unsigned int count);

/* The size of one entry (sizeof(struct mmsghdr)). */
unsigned long swift_ikev1_mmsghdr_stride(void);

#endif
