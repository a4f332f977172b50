// Package disk measures the file systems heronctl cares about (where the
// logs, the spool and the installation live): their size, use and free
// space, as zeekctl's df helper reports them from "df -kP", the table
// heronctl's df command prints in zeekctl's layout, and the check of free
// space against MinDiskSpace that housekeeping runs, which raises an alarm
// once when a file system fills past the limit and again only after it has
// recovered, as zeekctl's cron does.
package disk
