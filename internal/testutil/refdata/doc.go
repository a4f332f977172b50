// Package refdata locates the reference data Heron's tests compare with:
// the project's shared folder (../shared beside the repository, holding
// Zeek's traces and logs in zeek-corpus/) and, for developers who have one,
// a checkout of Zeek's source tree (its btest traces and baselines).
//
// Nothing from either is copied into the repository; tests read them in
// place and skip, saying what is missing, when they are absent, as they
// are in a user's clone.
package refdata
