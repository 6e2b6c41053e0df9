// Command tanggap-ferretdb runs FerretDB, a MongoDB wire-protocol server, embedded as a
// library, for local development and tests only (production uses MongoDB 7).
//
// Flags:
//
//	-listen      TCP address for MongoDB clients (default 127.0.0.1:27017)
//	-handler     "postgresql" or "sqlite"
//	-postgresql  PostgreSQL URL, including ?pool_max_conns=N (see ../../docs/storage.md)
//	-sqlite      SQLite directory URL, e.g. file:/path/to/dir/
//	-log-level   debug, info, warn or error
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:27017", "TCP address to listen on")
	handler := flag.String("handler", "postgresql", "backend: postgresql or sqlite")
	pgURL := flag.String("postgresql", "", "PostgreSQL URL")
	sqliteURL := flag.String("sqlite", "", "SQLite directory URL")
	level := flag.String("log-level", "warn", "log level")
	flag.Parse()

	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(*level)); err != nil {
		fmt.Fprintf(os.Stderr, "tanggap-ferretdb: bad -log-level %q\n", *level)
		os.Exit(2)
	}
	logger := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: lvl}))

	f, err := ferretdb.New(&ferretdb.Config{
		Listener:      ferretdb.ListenerConfig{TCP: *listen},
		Logger:        logger,
		Handler:       *handler,
		PostgreSQLURL: *pgURL,
		SQLiteURL:     *sqliteURL,
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "tanggap-ferretdb: %s\n", err)
		os.Exit(1)
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	fmt.Fprintf(os.Stderr, "tanggap-ferretdb: listening on %s (%s backend)\n", *listen, *handler)
	if err := f.Run(ctx); err != nil {
		fmt.Fprintf(os.Stderr, "tanggap-ferretdb: %s\n", err)
		os.Exit(1)
	}
}
