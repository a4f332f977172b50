package metrics

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"
)

// Handler serves the registry's metrics (any path it is mounted on; GET
// and HEAD only).
func (r *Registry) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method != http.MethodGet && req.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "metrics: method not allowed", http.StatusMethodNotAllowed)
			return
		}
		var buf bytes.Buffer
		if _, err := r.WriteTo(&buf); err != nil {
			http.Error(w, "metrics: "+err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", ContentType)
		w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
		if req.Method == http.MethodGet {
			_, _ = w.Write(buf.Bytes())
		}
	})
}

// Target is one node's metrics endpoint, for service discovery.
type Target struct {
	// Node is the node's name and Role its type (manager, logger, proxy,
	// worker).
	Node, Role string
	// Host is the address Prometheus scrapes (an IP or a name) and Port
	// the node's metrics port; a node with port 0 serves no metrics and
	// is left out.
	Host string
	Port int
}

// Address returns "host:port", with an IPv6 address in brackets.
func (t Target) Address() string { return net.JoinHostPort(t.Host, strconv.Itoa(t.Port)) }

// ServiceGroup is one target group of Prometheus' HTTP service discovery:
// the addresses to scrape and the labels Prometheus adds to them.
type ServiceGroup struct {
	Targets []string          `json:"targets"`
	Labels  map[string]string `json:"labels"`
}

// ZeekServices returns the target groups as Zeek's manager serves them at
// /services.json: one group listing "host:port" of every node with a
// metrics port, in the order given, with no labels (the node label is on
// every series already).
func ZeekServices(targets []Target) []ServiceGroup {
	g := ServiceGroup{Targets: []string{}, Labels: map[string]string{}}
	for _, t := range targets {
		if t.Port != 0 {
			g.Targets = append(g.Targets, t.Address())
		}
	}
	return []ServiceGroup{g}
}

// NodeServices returns one target group per node with a metrics port,
// labelled node=<name> and role=<role>: the same targets as ZeekServices,
// for deployments that relabel by role. Heron's manager serves Zeek's form.
func NodeServices(targets []Target) []ServiceGroup {
	out := []ServiceGroup{}
	for _, t := range targets {
		if t.Port != 0 {
			out = append(out, ServiceGroup{Targets: []string{t.Address()}, Labels: map[string]string{"node": t.Node, "role": t.Role}})
		}
	}
	return out
}

// ServicesHandler serves the groups groups returns, as JSON (Prometheus'
// http_sd_configs format). groups is called for every request, so the
// answer follows the cluster as it changes.
func ServicesHandler(groups func() []ServiceGroup) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method != http.MethodGet && req.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "metrics: method not allowed", http.StatusMethodNotAllowed)
			return
		}
		body, err := json.Marshal(groups())
		if err != nil {
			http.Error(w, "metrics: "+err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		if req.Method == http.MethodGet {
			_, _ = w.Write(body)
		}
	})
}

// Mux returns a handler serving r at /metrics and, when services is not
// nil (the manager), the service discovery groups at /services.json.
func Mux(r *Registry, services func() []ServiceGroup) *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("/metrics", r.Handler())
	if services != nil {
		mux.Handle("/services.json", ServicesHandler(services))
	}
	return mux
}

// Server is a running metrics endpoint.
type Server struct {
	srv *http.Server
	ln  net.Listener
	err chan error
}

// Listen serves Mux(r, services) on addr ("host:port"; port 0 picks a
// free one) until Close.
func Listen(addr string, r *Registry, services func() []ServiceGroup) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics: listen on %s: %w", addr, err)
	}
	s := &Server{
		srv: &http.Server{Handler: Mux(r, services), ReadHeaderTimeout: 10 * time.Second},
		ln:  ln,
		err: make(chan error, 1),
	}
	go func() { s.err <- s.srv.Serve(ln) }()
	return s, nil
}

// Addr returns the address the server listens on.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Close stops the server, ending requests in progress.
func (s *Server) Close() error {
	err := s.srv.Close()
	if serr := <-s.err; serr != nil && !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = fmt.Errorf("metrics: %w", serr)
	}
	return err
}
