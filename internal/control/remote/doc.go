// Package remote runs commands and writes files on heronctl's hosts:
// this machine directly (Local), every other host through SSH (SSH, with
// golang.org/x/crypto/ssh: key authentication with the user's keys, the
// host key checked against known_hosts). A host needs a POSIX shell and
// coreutils (sh, cat, mkdir, mv, chmod, sha256sum); nothing else, no rsync
// or Python.
//
// Commands are argument vectors; over SSH they are quoted for the
// remote shell, so no argument is interpreted by it.
package remote
