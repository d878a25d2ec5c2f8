package nsjson

import (
	"bytes"
	_ "embed"
	"fmt"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// schemaJSON is the JSON Schema (draft 2020-12) of the documents Encode
// writes. docs/namespaces_of.schema.json is a copy; a test keeps them equal.
//
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

// ValidateSchema checks that data is one JSON document that satisfies
// Schema. The error lists every violation with its location.
func ValidateSchema(data []byte) error {
	sch, err := compiled()
	if err != nil {
		return fmt.Errorf("nsjson: compiling the schema: %w", err)
	}
	// UnmarshalJSON keeps numbers exact (inodes and IDs are 64-bit) and
	// rejects trailing data.
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("nsjson: %w", err)
	}
	if err := sch.Validate(inst); err != nil {
		return fmt.Errorf("nsjson: document does not match the schema: %w", err)
	}
	return nil
}
