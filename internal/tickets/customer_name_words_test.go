package tickets_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/loopdesk/loopdesk/internal/postgres/pgtest"
)

// nameWords returns the words of the name-word list among want.
func nameWords(t *testing.T, db *pgxpool.Pool, want ...string) []string {
	t.Helper()
	var got []string
	if err := db.QueryRow(context.Background(), `SELECT coalesce(array_agg(word ORDER BY word), '{}') FROM customer_name_words WHERE word = ANY($1)`, want).Scan(&got); err != nil {
		t.Fatal(err)
	}
	return got
}

// TestNameWordsFollowConcurrentErasures: two customers who share a name
// word, erased (renamed) at the same time, leave none of their words in
// the name-word list, whichever commits first; a deleted customer's words
// go too, and another customer's stay.
func TestNameWordsFollowConcurrentErasures(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.New(t)
	var a, b, c int64
	if err := db.QueryRow(ctx, `
WITH n AS (INSERT INTO customers (name, locale) VALUES ('Zebulon Aardvark', 'en'), ('Zebulon Bumblewick', 'en'), ('Quentin Zebulonsson', 'en') RETURNING id)
SELECT min(id), (SELECT id FROM n ORDER BY id OFFSET 1 LIMIT 1), max(id) FROM n`).Scan(&a, &b, &c); err != nil {
		t.Fatal(err)
	}
	if got := nameWords(t, db, "zebulon", "aardvark", "bumblewick"); len(got) != 3 {
		t.Fatalf("set-up: name words %v", got)
	}

	tx1, err := db.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx1.Rollback(ctx)
	tx2, err := db.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx2.Rollback(ctx)
	var pid2 int
	if err := tx2.QueryRow(ctx, `SELECT pg_backend_pid()`).Scan(&pid2); err != nil {
		t.Fatal(err)
	}
	if _, err := tx1.Exec(ctx, `UPDATE customers SET name = 'Erased customer' WHERE id = $1`, a); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := tx2.Exec(ctx, `UPDATE customers SET name = 'Erased customer' WHERE id = $1`, b)
		done <- err
	}()
	// The second erasure either waits for the first (the words it may
	// remove are locked) or, without that lock, runs through at once.
	var err2 error
	waited := false
wait:
	for deadline := time.Now().Add(30 * time.Second); ; {
		select {
		case err2 = <-done:
			break wait
		default:
		}
		var blocked bool
		if err := db.QueryRow(ctx, `SELECT coalesce((SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = $1), false)`, pid2).Scan(&blocked); err != nil {
			t.Fatal(err)
		}
		if blocked {
			waited = true
			if err := tx1.Commit(ctx); err != nil {
				t.Fatal(err)
			}
			err2 = <-done
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the second erasure neither finished nor waited")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err2 != nil {
		t.Fatal(err2)
	}
	if !waited {
		if err := tx1.Commit(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx2.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if got := nameWords(t, db, "zebulon", "aardvark", "bumblewick"); len(got) != 0 {
		t.Errorf("after both erasures the name-word list still holds %v (the second erasure waited: %v)", got, waited)
	}
	if got := nameWords(t, db, "erased", "customer", "quentin", "zebulonsson"); !slices.Equal(got, []string{"customer", "erased", "quentin", "zebulonsson"}) {
		t.Errorf("name words of the names left: %v", got)
	}

	// A deleted customer's words go; a word another name holds stays.
	if _, err := db.Exec(ctx, `INSERT INTO customers (name, locale) VALUES ('Wobbleton Quentin', 'en')`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ctx, `DELETE FROM customers WHERE name = 'Wobbleton Quentin'`); err != nil {
		t.Fatal(err)
	}
	if got := nameWords(t, db, "wobbleton", "quentin"); !slices.Equal(got, []string{"quentin"}) {
		t.Errorf("after a delete: %v, want only quentin (Quentin Zebulonsson's)", got)
	}
}

// TestNameWordFunctionsWithoutSearchPath: the functions of the customer
// name indexes find each other with an empty search_path, as pg_restore
// (and CREATE INDEX from Postgres 17) runs them.
func TestNameWordFunctionsWithoutSearchPath(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.New(t)
	conn, err := db.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SET search_path = ''`); err != nil {
		t.Fatal(err)
	}
	defer conn.Exec(ctx, `RESET search_path`)
	var words []string
	if err := conn.QueryRow(ctx, `SELECT public.ld_name_words('Nguyễn  Văn Äijälä')`).Scan(&words); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(words, []string{"nguyen", "van", "aijala"}) {
		t.Fatalf("words = %v", words)
	}
}
