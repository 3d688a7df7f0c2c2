package store

// Migrations exposes the embedded migration set of an engine ("sqlite" or
// "postgres") to the tests of package store_test.
func Migrations(engine string) ([]Migration, error) { return loadMigrations(engine) }
