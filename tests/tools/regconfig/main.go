// regconfig runs the distribution registry's own configuration parser (v2 and v3) for the test
// suite: `regconfig schema` prints the shape of each major's Configuration type as the parser sees
// it (Go field names, YAML keys, kinds), read by reflection; `regconfig parse MAJOR FILE` parses FILE
// with the process's REGISTRY_* variables exactly as `registry serve` does, and prints the result as
// JSON: YAML keys, struct fields at their zero value left out, durations in nanoseconds.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"strings"
	"time"

	v3 "github.com/distribution/distribution/v3/configuration"
	v2 "github.com/docker/distribution/configuration"
	"gopkg.in/yaml.v2"
)

type node struct {
	Kind        string  `json:"kind"`
	Name        string  `json:"name,omitempty"`
	Unmarshaler bool    `json:"unmarshaler,omitempty"`
	Fields      []field `json:"fields,omitempty"`
	Key         *node   `json:"key,omitempty"`
	Elem        *node   `json:"elem,omitempty"`
}

type field struct {
	Go        string `json:"go"`
	YAML      string `json:"yaml"`
	OmitEmpty bool   `json:"omitempty,omitempty"`
	Inline    bool   `json:"inline,omitempty"`
	Type      *node  `json:"type"`
}

var (
	durationType    = reflect.TypeOf(time.Duration(0))
	unmarshalerType = reflect.TypeOf((*yaml.Unmarshaler)(nil)).Elem()
)

// describe follows the types of the configuration packages (and the redis options v3 inlines);
// any other struct is opaque to the registry's YAML and to its environment variables.
func describe(t reflect.Type, depth int) *node {
	n := &node{Unmarshaler: reflect.PointerTo(t).Implements(unmarshalerType)}
	if t.Name() != "" {
		n.Name = t.String()
	}
	if t == durationType {
		n.Kind = "duration"
		return n
	}
	switch t.Kind() {
	case reflect.String:
		n.Kind = "string"
	case reflect.Bool:
		n.Kind = "bool"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n.Kind = "int"
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n.Kind = "uint"
	case reflect.Float32, reflect.Float64:
		n.Kind = "float"
	case reflect.Interface:
		n.Kind = "interface"
	case reflect.Map:
		n.Kind, n.Key, n.Elem = "map", describe(t.Key(), depth+1), describe(t.Elem(), depth+1)
	case reflect.Slice, reflect.Array:
		n.Kind, n.Elem = "slice", describe(t.Elem(), depth+1)
	case reflect.Pointer:
		n.Kind, n.Elem = "ptr", describe(t.Elem(), depth+1)
	case reflect.Struct:
		pkg := t.PkgPath()
		known := t.Name() == "" || strings.HasSuffix(pkg, "/configuration") || strings.Contains(pkg, "go-redis")
		if !known || depth > 12 {
			n.Kind = "opaque"
			return n
		}
		n.Kind = "struct"
		for i := 0; i < t.NumField(); i++ {
			sf := t.Field(i)
			if !sf.IsExported() {
				continue
			}
			name, opts, _ := strings.Cut(sf.Tag.Get("yaml"), ",")
			if name == "" {
				name = strings.ToLower(sf.Name)
			}
			n.Fields = append(n.Fields, field{
				Go: sf.Name, YAML: name, OmitEmpty: strings.Contains(opts, "omitempty"),
				Inline: strings.Contains(opts, "inline"), Type: describe(sf.Type, depth+1),
			})
		}
	default:
		n.Kind = "opaque"
	}
	return n
}

func parse(major string, in []byte) (out any, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	if major == "2" {
		config, err := v2.Parse(strings.NewReader(string(in)))
		if err != nil {
			return nil, err
		}
		config.Storage.Type() // what `registry serve` asks first; it panics on two drivers
		return config, nil
	}
	config, err := v3.Parse(strings.NewReader(string(in)))
	if err != nil {
		return nil, err
	}
	config.Storage.Type()
	return config, nil
}

func main() {
	if len(os.Args) >= 2 && os.Args[1] == "schema" {
		schema := map[string]*node{
			"2": describe(reflect.TypeOf(v2.Configuration{}), 0),
			"3": describe(reflect.TypeOf(v3.Configuration{}), 0),
		}
		text, _ := json.MarshalIndent(schema, "", " ")
		fmt.Println(string(text))
		return
	}
	if len(os.Args) != 4 || os.Args[1] != "parse" {
		fmt.Fprintln(os.Stderr, "usage: regconfig schema | regconfig parse 2|3 FILE")
		os.Exit(2)
	}
	in, err := os.ReadFile(os.Args[3])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	config, err := parse(os.Args[2], in)
	if err != nil {
		fmt.Println(yamlError(err))
		os.Exit(1)
	}
	text, _ := json.Marshal(map[string]any{"config": canonical(reflect.ValueOf(config))})
	fmt.Println(string(text))
}

func yamlError(err error) string {
	text, _ := json.Marshal(map[string]string{"error": err.Error()})
	return string(text)
}

// canonical is the value as the registry holds it: YAML keys, zero struct fields left out.
func canonical(v reflect.Value) any {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return canonical(v.Elem())
	case reflect.Struct:
		out := map[string]any{}
		fill(v, out)
		return out
	case reflect.Map:
		out := map[string]any{}
		for _, key := range v.MapKeys() {
			item := v.MapIndex(key)
			if item.Kind() == reflect.Map && item.IsNil() {
				out[fmt.Sprint(key.Interface())] = map[string]any{}
				continue
			}
			out[fmt.Sprint(key.Interface())] = canonical(item)
		}
		return out
	case reflect.Slice, reflect.Array:
		out := []any{}
		for i := 0; i < v.Len(); i++ {
			out = append(out, canonical(v.Index(i)))
		}
		return out
	case reflect.Func, reflect.Chan, reflect.UnsafePointer:
		return nil
	}
	return v.Interface()
}

func fill(v reflect.Value, out map[string]any) {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(sf.Tag.Get("yaml"), ",")
		if name == "-" {
			continue
		}
		if strings.Contains(opts, "inline") && sf.Type.Kind() == reflect.Struct {
			fill(v.Field(i), out)
			continue
		}
		if name == "" {
			name = strings.ToLower(sf.Name)
		}
		item := v.Field(i)
		switch item.Kind() {
		case reflect.Func, reflect.Chan, reflect.UnsafePointer:
			continue
		case reflect.Pointer:
			if item.IsNil() || item.Elem().Kind() == reflect.Struct && item.Elem().Type().PkgPath() == "crypto/tls" {
				continue
			}
		default:
			if item.IsZero() {
				continue
			}
		}
		kept := canonical(item)
		if m, ok := kept.(map[string]any); ok && len(m) == 0 && item.Kind() != reflect.Pointer {
			continue
		}
		if s, ok := kept.([]any); ok && len(s) == 0 {
			continue
		}
		out[name] = kept
	}
}
