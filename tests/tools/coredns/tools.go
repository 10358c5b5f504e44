//go:build tools

// Package tools pins the CoreDNS program the tests build.
package tools

import _ "github.com/coredns/coredns"
