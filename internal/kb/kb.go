// Package kb is the knowledge base: articles in categories, one translation
// per language (en, fi, vi, hi) with its own slug, status (draft, published,
// archived) and revision history; Markdown rendered and sanitised; search
// with the tickets' multilingual full text; and the deflection counts of the
// /help form.
package kb

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/i18n"
	"github.com/loopdesk/loopdesk/internal/postgres"
	"github.com/loopdesk/loopdesk/internal/textcheck"
	"github.com/loopdesk/loopdesk/internal/tickets"
)

// Statuses of a translation.
const (
	StatusDraft     = "draft"
	StatusPublished = "published"
	StatusArchived  = "archived"
)

// Statuses lists them in the order the form shows them.
var Statuses = []string{StatusDraft, StatusPublished, StatusArchived}

const (
	maxTitle = 200
	maxBody  = 50000
	maxSlug  = 80
	maxTags  = 10
)

var slugRe = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// Store runs the knowledge base's SQL.
type Store struct {
	db  *pgxpool.Pool
	now func() time.Time
}

// NewStore returns the store on db.
func NewStore(db *pgxpool.Pool, now func() time.Time) *Store { return &Store{db: db, now: now} }

// Category groups articles; its name is per language.
type Category struct {
	ID       int64
	Slug     string
	Names    map[string]string
	Position int
}

// Name is the category's name in lang, else in English.
func (c Category) Name(lang string) string {
	if n := c.Names[lang]; n != "" {
		return n
	}
	return c.Names["en"]
}

// Translation is one language's version of an article.
type Translation struct {
	ID          int64
	ArticleID   int64
	CategoryID  int64
	Internal    bool // the article is for staff only
	Locale      string
	Slug        string
	Title       string
	Body        string // Markdown
	Tags        []string
	Status      string
	Version     int
	PublishedAt *time.Time
	UpdatedAt   time.Time
	UpdatedBy   string // the editor's name
}

// Path is the translation's public address.
func (t Translation) Path() string { return "/kb/" + t.Locale + "/" + t.Slug }

// Revision is one save of a translation.
type Revision struct {
	ID       int64
	Version  int
	Title    string
	Status   string
	Changes  []string // title, body, tags, status, slug
	EditedBy string
	EditedAt time.Time
}

// Draft is a translation as an editor sends it. ArticleID 0 with a
// translation id of 0 starts a new article; a non-zero ArticleID adds this
// language to that article.
type Draft struct {
	ArticleID  int64
	CategoryID int64
	Internal   bool
	Locale     string
	Slug       string // "" makes one from the title
	Title      string
	Body       string
	Tags       string // comma-separated
	Status     string
	Version    int // the version edited; 0 for a new translation
}

const sqlSelectTranslation = `
SELECT t.id, t.article_id, coalesce(a.category_id, 0), a.internal, t.locale, t.slug, t.title, t.body, t.tags, t.status,
       t.version, t.published_at, t.updated_at, coalesce(u.name, '')
FROM kb_translations t
JOIN kb_articles a ON a.id = t.article_id
LEFT JOIN users u ON u.id = t.updated_by`

func scanTranslation(row pgx.Row) (Translation, error) {
	var t Translation
	err := row.Scan(&t.ID, &t.ArticleID, &t.CategoryID, &t.Internal, &t.Locale, &t.Slug, &t.Title, &t.Body, &t.Tags, &t.Status,
		&t.Version, &t.PublishedAt, &t.UpdatedAt, &t.UpdatedBy)
	return t, err
}

func collect(rows pgx.Rows, err error) ([]Translation, error) {
	if err != nil {
		return nil, fmt.Errorf("kb: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Translation, error) { return scanTranslation(r) })
	if err != nil {
		return nil, fmt.Errorf("kb: %w", err)
	}
	return list, nil
}

// Categories lists the categories in their order.
func (s *Store) Categories(ctx context.Context) ([]Category, error) {
	rows, err := s.db.Query(ctx, `SELECT id, slug, names, position FROM kb_categories ORDER BY position, id`)
	if err != nil {
		return nil, fmt.Errorf("kb categories: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Category, error) {
		var c Category
		return c, r.Scan(&c.ID, &c.Slug, &c.Names, &c.Position)
	})
}

// CreateCategory adds a category with its name in every language.
func (s *Store) CreateCategory(ctx context.Context, actorID int64, slug string, names map[string]string) (Category, error) {
	var f apperr.Fields
	slug = strings.TrimSpace(slug)
	if slug == "" || len(slug) > 60 || !slugRe.MatchString(slug) {
		f.Add("slug", "kb_error_slug")
	}
	clean := map[string]string{}
	for _, l := range i18n.Locales {
		n := strings.TrimSpace(names[l])
		textcheck.Field(&f, "name_"+l, n, textcheck.Line, true, 80)
		clean[l] = n
	}
	if err := f.Err(); err != nil {
		return Category{}, err
	}
	c := Category{Slug: slug, Names: clean}
	err := postgres.InTx(ctx, s.db, func(tx pgx.Tx) error {
		now := s.now()
		err := tx.QueryRow(ctx, `
INSERT INTO kb_categories (slug, names, position, created_at)
VALUES ($1, $2, (SELECT coalesce(max(position), 0) + 1 FROM kb_categories), $3) RETURNING id, position`,
			slug, clean, now).Scan(&c.ID, &c.Position)
		if _, dup := postgres.IsUniqueViolation(err); dup {
			return apperr.InvalidFields(map[string]string{"slug": "kb_error_slug_taken"})
		}
		if err != nil {
			return fmt.Errorf("insert kb category: %w", err)
		}
		return postgres.RecordEvent(ctx, tx, now, "kb_category", c.ID, actorID, "kb.category_created", map[string]any{"slug": slug})
	})
	return c, err
}

// Slugify makes a URL slug of a title: folded to ASCII letters and digits
// joined by hyphens ("Näin palautat tuotteen" -> "nain-palautat-tuotteen").
// Scripts without ASCII letters (Devanagari) give "".
func Slugify(title string) string {
	var b strings.Builder
	dash := false
	for _, r := range tickets.Fold(title) {
		switch {
		case r == 'ä' || r == 'å':
			r = 'a'
		case r == 'ö':
			r = 'o'
		}
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
			if b.Len() >= maxSlug-10 {
				break
			}
		} else {
			dash = true
		}
	}
	return b.String()
}

// parseTags splits a comma-separated list: trimmed, lower-cased, unique.
func parseTags(s string, f *apperr.Fields) []string {
	out := []string{}
	for _, t := range strings.Split(s, ",") {
		t = strings.ToLower(strings.TrimSpace(t))
		if t == "" || slices.Contains(out, t) {
			continue
		}
		if textcheck.Check(t, textcheck.Line, false, 40) != textcheck.OK {
			f.Add("tags", "kb_error_tags")
			continue
		}
		out = append(out, t)
	}
	if len(out) > maxTags {
		f.Add("tags", "kb_error_tags")
	}
	return out
}

// Save creates or edits a translation (id 0: a new one) and records a
// revision; a stale Version is a conflict. Category and internal belong to
// the article and change for all its languages.
func (s *Store) Save(ctx context.Context, actorID, id int64, d Draft) (Translation, error) {
	var f apperr.Fields
	d.Title, d.Body, d.Slug = strings.TrimSpace(d.Title), strings.TrimSpace(d.Body), strings.TrimSpace(d.Slug)
	textcheck.Field(&f, "title", d.Title, textcheck.Line, true, maxTitle)
	textcheck.Field(&f, "body", d.Body, textcheck.Lines, true, maxBody)
	if !i18n.Supported(d.Locale) {
		f.Add("locale", "error_locale_invalid")
	}
	if !slices.Contains(Statuses, d.Status) {
		f.Add("status", "error_invalid_choice")
	}
	if d.Slug == "" {
		d.Slug = Slugify(d.Title)
	}
	if d.Slug == "" && id == 0 && d.ArticleID == 0 {
		d.Slug = "article" // Devanagari title: made unique with the id below
	}
	if d.Slug != "" && (len(d.Slug) > maxSlug || !slugRe.MatchString(d.Slug)) {
		f.Add("slug", "kb_error_slug")
	}
	tags := parseTags(d.Tags, &f)
	if err := f.Err(); err != nil {
		return Translation{}, err
	}
	var out Translation
	err := postgres.InTx(ctx, s.db, func(tx pgx.Tx) error {
		now := s.now()
		var old Translation
		articleID := d.ArticleID
		if id != 0 {
			var err error
			old, err = scanTranslation(tx.QueryRow(ctx, sqlSelectTranslation+` WHERE t.id = $1 FOR UPDATE OF t`, id))
			if errors.Is(err, pgx.ErrNoRows) {
				return apperr.New(apperr.NotFound, "kb_error_not_found")
			}
			if err != nil {
				return fmt.Errorf("lock kb translation: %w", err)
			}
			if old.Version != d.Version {
				return apperr.New(apperr.Conflict, "kb_error_stale")
			}
			articleID = old.ArticleID
			d.Locale = old.Locale // a translation's language does not change
		} else if articleID == 0 {
			if err := tx.QueryRow(ctx, `INSERT INTO kb_articles (category_id, internal, created_by, created_at) VALUES ($1, $2, $3, $4) RETURNING id`,
				postgres.NullID(d.CategoryID), d.Internal, postgres.NullID(actorID), now).Scan(&articleID); err != nil {
				if _, ok := postgres.IsForeignKeyViolation(err); ok {
					return apperr.InvalidFields(map[string]string{"category_id": "error_invalid_choice"})
				}
				return fmt.Errorf("insert kb article: %w", err)
			}
		}
		if d.Slug == "" { // a Devanagari title: the slug of another language of the article, else the id
			if err := tx.QueryRow(ctx, `SELECT coalesce((SELECT slug FROM kb_translations WHERE article_id = $1 ORDER BY id LIMIT 1), 'article-' || $1)`,
				articleID).Scan(&d.Slug); err != nil {
				return fmt.Errorf("kb slug: %w", err)
			}
		} else if d.Slug == "article" {
			d.Slug = fmt.Sprintf("article-%d", articleID)
		}
		if _, err := tx.Exec(ctx, `UPDATE kb_articles SET category_id = $2, internal = $3 WHERE id = $1`,
			articleID, postgres.NullID(d.CategoryID), d.Internal); err != nil {
			if _, ok := postgres.IsForeignKeyViolation(err); ok {
				return apperr.InvalidFields(map[string]string{"category_id": "error_invalid_choice"})
			}
			return fmt.Errorf("update kb article: %w", err)
		}
		const vector = `ld_subject_vector($3 || ' ' || array_to_string($5::text[], ' '), $8) || ld_body_vector($4, $8)`
		var tid int64
		var err error
		if id == 0 {
			err = tx.QueryRow(ctx, `
INSERT INTO kb_translations (article_id, slug, title, body, tags, status, published_at, locale, search, updated_by, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, CASE WHEN $6 = 'published' THEN $7::timestamptz END, $8, `+vector+`, $9, $7, $7)
RETURNING id`, articleID, d.Slug, d.Title, d.Body, tags, d.Status, now, d.Locale, postgres.NullID(actorID)).Scan(&tid)
		} else {
			tid = id
			_, err = tx.Exec(ctx, `
UPDATE kb_translations SET slug = $2, title = $3, body = $4, tags = $5, status = $6,
       published_at = CASE WHEN $6 = 'published' AND status <> 'published' THEN $7::timestamptz ELSE published_at END,
       search = `+vector+`, version = version + 1, updated_by = $9, updated_at = $7
WHERE id = $1 AND locale = $8`, id, d.Slug, d.Title, d.Body, tags, d.Status, now, d.Locale, postgres.NullID(actorID))
		}
		if c, dup := postgres.IsUniqueViolation(err); dup {
			if strings.Contains(c, "article_id") {
				return apperr.InvalidFields(map[string]string{"locale": "kb_error_locale_taken"})
			}
			return apperr.InvalidFields(map[string]string{"slug": "kb_error_slug_taken"})
		}
		if err != nil {
			return fmt.Errorf("save kb translation: %w", err)
		}
		var changes []string
		if id == 0 {
			changes = []string{"created"}
		} else {
			for _, c := range []struct {
				name    string
				changed bool
			}{{"title", old.Title != d.Title}, {"body", old.Body != d.Body}, {"tags", !slices.Equal(old.Tags, tags)},
				{"status", old.Status != d.Status}, {"slug", old.Slug != d.Slug},
				{"category", old.CategoryID != d.CategoryID}, {"internal", old.Internal != d.Internal}} {
				if c.changed {
					changes = append(changes, c.name)
				}
			}
		}
		if changes == nil {
			changes = []string{}
		}
		if _, err := tx.Exec(ctx, `
INSERT INTO kb_revisions (translation_id, version, title, body, tags, status, changes, edited_by, edited_at)
SELECT id, version, title, body, tags, status, $2, $3, $4 FROM kb_translations WHERE id = $1`,
			tid, changes, postgres.NullID(actorID), now); err != nil {
			return fmt.Errorf("kb revision: %w", err)
		}
		if err := postgres.RecordEvent(ctx, tx, now, "kb_translation", tid, actorID, "kb.translation_saved",
			map[string]any{"article_id": articleID, "locale": d.Locale, "status": d.Status, "changes": changes}); err != nil {
			return err
		}
		out, err = scanTranslation(tx.QueryRow(ctx, sqlSelectTranslation+` WHERE t.id = $1`, tid))
		return err
	})
	return out, err
}

// Get returns translation id (any status), for editors.
func (s *Store) Get(ctx context.Context, id int64) (Translation, error) {
	t, err := scanTranslation(s.db.QueryRow(ctx, sqlSelectTranslation+` WHERE t.id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return Translation{}, apperr.New(apperr.NotFound, "kb_error_not_found")
	}
	if err != nil {
		return Translation{}, fmt.Errorf("kb translation %d: %w", id, err)
	}
	return t, nil
}

// Published returns the published translation at locale/slug and its
// published siblings (the other languages of the article). staff sees
// internal articles too.
func (s *Store) Published(ctx context.Context, locale, slug string, staff bool) (Translation, []Translation, error) {
	t, err := scanTranslation(s.db.QueryRow(ctx, sqlSelectTranslation+`
WHERE t.locale = $1 AND t.slug = $2 AND t.status = 'published' AND (NOT a.internal OR $3)`, locale, slug, staff))
	if errors.Is(err, pgx.ErrNoRows) {
		return Translation{}, nil, apperr.New(apperr.NotFound, "kb_error_not_found")
	}
	if err != nil {
		return Translation{}, nil, fmt.Errorf("kb article: %w", err)
	}
	sib, err := collect(s.db.Query(ctx, sqlSelectTranslation+`
WHERE t.article_id = $1 AND t.status = 'published' ORDER BY t.locale`, t.ArticleID))
	return t, sib, err
}

// Translations lists the published translations in locale (staff: internal
// ones too), by category then title.
func (s *Store) Translations(ctx context.Context, locale string, staff bool) ([]Translation, error) {
	return collect(s.db.Query(ctx, sqlSelectTranslation+`
WHERE t.locale = $1 AND t.status = 'published' AND (NOT a.internal OR $2)
ORDER BY coalesce(a.category_id, 0), t.title`, locale, staff))
}

// All lists every translation of every article for the editors' page,
// newest article first.
func (s *Store) All(ctx context.Context) ([]Translation, error) {
	return collect(s.db.Query(ctx, sqlSelectTranslation+` ORDER BY t.article_id DESC, t.locale`))
}

// Siblings lists every translation of article id, any status.
func (s *Store) Siblings(ctx context.Context, articleID int64) ([]Translation, error) {
	return collect(s.db.Query(ctx, sqlSelectTranslation+` WHERE t.article_id = $1 ORDER BY t.locale`, articleID))
}

// Revisions lists a translation's saves, newest first.
func (s *Store) Revisions(ctx context.Context, id int64) ([]Revision, error) {
	rows, err := s.db.Query(ctx, `
SELECT r.id, r.version, r.title, r.status, r.changes, coalesce(u.name, ''), r.edited_at
FROM kb_revisions r LEFT JOIN users u ON u.id = r.edited_by
WHERE r.translation_id = $1 ORDER BY r.id DESC LIMIT 100`, id)
	if err != nil {
		return nil, fmt.Errorf("kb revisions: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Revision, error) {
		var v Revision
		return v, r.Scan(&v.ID, &v.Version, &v.Title, &v.Status, &v.Changes, &v.EditedBy, &v.EditedAt)
	})
}

// Proposal is a rep's suggested edit of a translation, for an editor to apply or dismiss.
type Proposal struct {
	ID            int64
	TranslationID int64
	Title         string
	Body          string
	Note          string
	ProposedBy    string
	CreatedAt     time.Time
}

// Propose records a rep's suggested edit of translation id.
func (s *Store) Propose(ctx context.Context, actorID, id int64, title, body, note string) (Proposal, error) {
	var f apperr.Fields
	title, body, note = strings.TrimSpace(title), strings.TrimSpace(body), strings.TrimSpace(note)
	textcheck.Field(&f, "title", title, textcheck.Line, true, maxTitle)
	textcheck.Field(&f, "body", body, textcheck.Lines, true, maxBody)
	textcheck.Field(&f, "note", note, textcheck.Lines, false, 1000)
	if err := f.Err(); err != nil {
		return Proposal{}, err
	}
	p := Proposal{TranslationID: id, Title: title, Body: body, Note: note}
	err := postgres.InTx(ctx, s.db, func(tx pgx.Tx) error {
		now := s.now()
		err := tx.QueryRow(ctx, `
INSERT INTO kb_proposals (translation_id, title, body, note, proposed_by, created_at)
SELECT id, $2, $3, $4, $5, $6 FROM kb_translations WHERE id = $1
RETURNING id, created_at`, id, title, body, note, postgres.NullID(actorID), now).Scan(&p.ID, &p.CreatedAt)
		if errors.Is(err, pgx.ErrNoRows) {
			return apperr.New(apperr.NotFound, "kb_error_not_found")
		}
		if err != nil {
			return fmt.Errorf("kb proposal: %w", err)
		}
		return postgres.RecordEvent(ctx, tx, now, "kb_translation", id, actorID, "kb.edit_proposed", map[string]any{"proposal_id": p.ID})
	})
	return p, err
}

const sqlSelectProposal = `
SELECT p.id, p.translation_id, p.title, p.body, p.note, coalesce(u.name, ''), p.created_at
FROM kb_proposals p LEFT JOIN users u ON u.id = p.proposed_by`

func collectProposals(rows pgx.Rows, err error) ([]Proposal, error) {
	if err != nil {
		return nil, fmt.Errorf("kb proposals: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Proposal, error) {
		var p Proposal
		return p, r.Scan(&p.ID, &p.TranslationID, &p.Title, &p.Body, &p.Note, &p.ProposedBy, &p.CreatedAt)
	})
}

// Proposals lists the open proposals, of translation id (0: all), oldest first.
func (s *Store) Proposals(ctx context.Context, id int64) ([]Proposal, error) {
	return collectProposals(s.db.Query(ctx, sqlSelectProposal+`
WHERE p.closed_at IS NULL AND ($1 = 0 OR p.translation_id = $1) ORDER BY p.id`, id))
}

// Proposal returns open proposal id.
func (s *Store) Proposal(ctx context.Context, id int64) (Proposal, error) {
	list, err := collectProposals(s.db.Query(ctx, sqlSelectProposal+` WHERE p.id = $1 AND p.closed_at IS NULL`, id))
	if err != nil {
		return Proposal{}, err
	}
	if len(list) == 0 {
		return Proposal{}, apperr.New(apperr.NotFound, "kb_error_proposal_not_found")
	}
	return list[0], nil
}

// CloseProposal marks proposal id applied (after an editor saved it) or dismissed.
func (s *Store) CloseProposal(ctx context.Context, actorID, id int64, applied bool) error {
	return postgres.InTx(ctx, s.db, func(tx pgx.Tx) error {
		now := s.now()
		outcome := "dismissed"
		if applied {
			outcome = "applied"
		}
		var tid int64
		err := tx.QueryRow(ctx, `
UPDATE kb_proposals SET closed_at = $2, outcome = $3, closed_by = $4 WHERE id = $1 AND closed_at IS NULL
RETURNING translation_id`, id, now, outcome, postgres.NullID(actorID)).Scan(&tid)
		if errors.Is(err, pgx.ErrNoRows) {
			return apperr.New(apperr.NotFound, "kb_error_proposal_not_found")
		}
		if err != nil {
			return fmt.Errorf("close kb proposal: %w", err)
		}
		return postgres.RecordEvent(ctx, tx, now, "kb_translation", tid, actorID, "kb.proposal_"+outcome, map[string]any{"proposal_id": id})
	})
}

// Coverage lists, by category id (0: uncategorised), the languages that
// have a published public article in it: the help centre's index and
// category pages exist in those languages (their hreflang alternates).
func (s *Store) Coverage(ctx context.Context) (map[int64][]string, error) {
	rows, err := s.db.Query(ctx, `
SELECT DISTINCT coalesce(a.category_id, 0), t.locale
FROM kb_translations t JOIN kb_articles a ON a.id = t.article_id
WHERE t.status = 'published' AND NOT a.internal
ORDER BY 1, 2`)
	if err != nil {
		return nil, fmt.Errorf("kb coverage: %w", err)
	}
	out := map[int64][]string{}
	var id int64
	var locale string
	if _, err := pgx.ForEachRow(rows, []any{&id, &locale}, func() error {
		out[id] = append(out[id], locale)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("kb coverage: %w", err)
	}
	return out, nil
}

// Languages lists the languages of coverage, in the order of i18n.Locales.
func Languages(coverage map[int64][]string) []string {
	var out []string
	for _, l := range i18n.Locales {
		for _, list := range coverage {
			if slices.Contains(list, l) {
				out = append(out, l)
				break
			}
		}
	}
	return out
}
