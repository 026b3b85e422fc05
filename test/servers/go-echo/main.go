// Command go-echo is the Go crypto/tls peer of Keyport's interop test bed: a TLS echo
// server on loopback that requires and verifies a client certificate. It prints one JSON
// object per line on stdout: {"event":"listening","port":N} once, then
// {"event":"verified",...} for each connection whose client certificate it verified, or
// {"event":"rejected","error":...} for each handshake it refused. With -deny-cn it also plays
// a service's authorisation policy. After a refused handshake it closes at once, as net/http
// does (with the client's flight unread, the kernel sends a TCP reset after the alert); with
// -linger it first drains what the client still sends. Standard library only; built with
// Go >= 1.21, whose crypto/tls has TLS 1.2's extended master secret.
package main

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"time"
)

// linger is the -linger flag (see serve).
var linger bool

var versions = map[string]uint16{"TLSv1.2": tls.VersionTLS12, "TLSv1.3": tls.VersionTLS13}

var groups = map[string]tls.CurveID{
	"X25519": tls.X25519, "P-256": tls.CurveP256, "P-384": tls.CurveP384, "P-521": tls.CurveP521,
}

// out serialises the JSON lines, since connections run concurrently.
var out = struct {
	sync.Mutex
	enc *json.Encoder
}{enc: json.NewEncoder(os.Stdout)}

func emit(v map[string]interface{}) {
	out.Lock()
	defer out.Unlock()
	_ = out.enc.Encode(v)
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "go-echo: "+format+"\n", args...)
	os.Exit(2)
}

func main() {
	version := flag.String("version", "TLSv1.3", "TLSv1.2 or TLSv1.3 (the only version accepted)")
	certFile := flag.String("cert", "", "server certificate PEM, followed by its intermediates")
	keyFile := flag.String("key", "", "server private key PEM")
	clientCA := flag.String("client-ca", "", "PEM file of the CAs that client certificates must chain to")
	groupList := flag.String("groups", "", "comma-separated key exchange groups (X25519,P-256,P-384,P-521)")
	alpnList := flag.String("alpn", "", "comma-separated ALPN protocols")
	denyCN := flag.String("deny-cn", "", "refuse verified client certificates whose subject CN is this")
	flag.BoolVar(&linger, "linger", false, "after a refused handshake, drain the client (up to 2 s) before closing")
	flag.Parse()

	config, err := buildConfig(*version, *certFile, *keyFile, *clientCA, *groupList, *alpnList)
	if err != nil {
		fail("%v", err)
	}
	if *denyCN != "" {
		config.VerifyConnection = denyCommonName(*denyCN)
	}
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fail("cannot listen on 127.0.0.1: %v", err)
	}
	emit(map[string]interface{}{"event": "listening", "port": listener.Addr().(*net.TCPAddr).Port})
	for {
		conn, err := listener.Accept()
		if err != nil {
			fail("accept: %v", err)
		}
		go serve(tls.Server(conn, config))
	}
}

func buildConfig(version, certFile, keyFile, clientCA, groupList, alpnList string) (*tls.Config, error) {
	v, ok := versions[version]
	if !ok {
		return nil, fmt.Errorf("unknown -version %q: use TLSv1.2 or TLSv1.3", version)
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("cannot load the server certificate and key: %v", err)
	}
	caPEM, err := os.ReadFile(clientCA)
	if err != nil {
		return nil, fmt.Errorf("cannot read -client-ca: %v", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, fmt.Errorf("-client-ca %s holds no PEM certificate", clientCA)
	}
	config := &tls.Config{
		Certificates: []tls.Certificate{cert},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    pool,
		MinVersion:   v,
		MaxVersion:   v,
	}
	for _, name := range splitList(groupList) {
		id, ok := groups[name]
		if !ok {
			return nil, fmt.Errorf("unknown group %q", name)
		}
		config.CurvePreferences = append(config.CurvePreferences, id)
	}
	config.NextProtos = splitList(alpnList)
	return config, nil
}

// drain reads and drops what the client still sends until it closes or 2 s pass: closing a
// socket with unread input makes the kernel send a reset, which may reach the client before it
// has read our alert.
func drain(raw net.Conn) {
	_ = raw.SetReadDeadline(time.Now().Add(2 * time.Second))
	_, _ = io.Copy(io.Discard, raw)
}

// denyCommonName is an authorisation policy: the client certificate verified, but its subject
// CN may not connect. crypto/tls answers any VerifyConnection error with alert 42
// bad_certificate (Go 1.23 handshake_server*.go): tls.AlertError picks the alert on QUIC only.
func denyCommonName(cn string) func(tls.ConnectionState) error {
	return func(state tls.ConnectionState) error {
		if len(state.PeerCertificates) > 0 && state.PeerCertificates[0].Subject.CommonName == cn {
			return fmt.Errorf("access denied: -deny-cn refuses client certificate CN %q", cn)
		}
		return nil
	}
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// serve completes the handshake, reports what it verified, then echoes until the client closes.
func serve(conn *tls.Conn) {
	defer conn.Close()
	if err := conn.Handshake(); err != nil {
		emit(map[string]interface{}{"event": "rejected", "error": err.Error()})
		if linger {
			drain(conn.NetConn())
		}
		return
	}
	state := conn.ConnectionState()
	leaf := state.PeerCertificates[0]
	digest := sha256.Sum256(leaf.Raw)
	names := map[uint16]string{tls.VersionTLS12: "TLSv1.2", tls.VersionTLS13: "TLSv1.3"}
	emit(map[string]interface{}{
		"event":             "verified",
		"subject":           leaf.Subject.String(),
		"fingerprintSha256": hex.EncodeToString(digest[:]),
		"version":           names[state.Version],
		"cipher":            tls.CipherSuiteName(state.CipherSuite),
		"alpn":              state.NegotiatedProtocol,
		"chainLength":       len(state.VerifiedChains[0]),
	})
	if _, err := io.Copy(conn, conn); err != nil {
		emit(map[string]interface{}{"event": "closed", "error": err.Error()})
	}
}
