package schema

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// docs/ holds a copy of the embedded schema for readers; keep them equal.
func TestDocsSchemaIsEmbeddedSchema(t *testing.T) {
	docs, err := os.ReadFile(filepath.Join("..", "..", "docs", "namespaces_of.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(docs, schemaJSON) {
		t.Error("docs/namespaces_of.schema.json differs from nsjson/schema/schema.json: cp nsjson/schema/schema.json docs/namespaces_of.schema.json")
	}
}
