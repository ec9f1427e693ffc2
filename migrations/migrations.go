// Package migrations embeds Loopdesk's numbered SQL migrations.
// They are applied by internal/postgres.Migrate with goose before the server serves.
package migrations

import "embed"

// FS holds every *.sql migration, applied in numeric order.
//
//go:embed *.sql
var FS embed.FS
