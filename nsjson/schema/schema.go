// Package schema holds the JSON Schema (draft 2020-12) of the documents
// [nsjson.Encode] writes, and checks documents against it. It is a package
// of its own so that programs which only write or read documents (the
// namespaces_of binary among them) do not link a JSON Schema validator;
// tests and users who validate import it.
//
// docs/namespaces_of.schema.json is a copy of the embedded schema; a test
// keeps them equal.
package schema

import (
	"bytes"
	_ "embed"
	"fmt"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

//go:embed schema.json
var schemaJSON []byte

var compiled = sync.OnceValues(func() (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schemaJSON))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	const url = "namespaces_of.schema.json"
	if err := c.AddResource(url, doc); err != nil {
		return nil, err
	}
	return c.Compile(url)
})

// Validate checks that data is one JSON document that satisfies the
// schema. The error lists every violation with its location.
func Validate(data []byte) error {
	sch, err := compiled()
	if err != nil {
		return fmt.Errorf("nsjson schema: compiling the schema: %w", err)
	}
	// UnmarshalJSON keeps numbers exact (inodes and IDs are 64-bit) and
	// rejects trailing data.
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("nsjson schema: %w", err)
	}
	if err := sch.Validate(inst); err != nil {
		return fmt.Errorf("nsjson schema: document does not match the schema: %w", err)
	}
	return nil
}
