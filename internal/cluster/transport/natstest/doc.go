// Package natstest helps tests run real NATS servers for a cluster
// layout: a test CA that issues node certificates, free loopback ports,
// and a cluster of NATS servers with JetStream, each in its own process
// (the test binary run again; a test package that uses StartCluster calls
// Child from its TestMain).
//
// It is for tests only: the CA's keys are throw-away, and servers started
// here stop with the test.
package natstest
