package web

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/i18n"
	"github.com/loopdesk/loopdesk/internal/kb"
	"github.com/loopdesk/loopdesk/internal/staff"
	"github.com/loopdesk/loopdesk/web/views"
)

// The knowledge base: the public help centre (/kb: categories, search,
// article pages with canonical and hreflang links), the deflection on /help
// (suggestions as the customer types, "this answered my question"), and
// the editors' pages for supervisors and admins.

// kbStore is built per request from the server's pool and clock.
func (s *Server) kbStore() *kb.Store { return kb.NewStore(s.db, s.now) }

// kbHead is the head of a help centre page; canonical and alternates are
// paths made absolute with the base URL.
func (s *Server) kbHead(desc, canonical string, alternates map[string]string) views.KBHead {
	abs := func(p string) string {
		if p == "" {
			return ""
		}
		return strings.TrimRight(s.baseURL.String(), "/") + p
	}
	h := views.KBHead{Asset: s.assets.url, Description: desc, Canonical: abs(canonical), Alternates: map[string]string{}}
	for l, p := range alternates {
		h.Alternates[l] = abs(p)
	}
	if d, ok := h.Alternates["en"]; ok {
		h.Default = d
	} else if h.Canonical != "" && len(alternates) > 0 {
		h.Default = h.Canonical
	}
	return h
}

// isStaff reports whether the visitor is signed-in staff: they see internal articles.
func isStaff(r *http.Request) bool { return currentUser(r.Context()) != nil }

func (s *Server) handleKB(w http.ResponseWriter, r *http.Request) { s.kbHome(w, r, "") }

// handleKBLang is /kb/{lang}: the help centre's front page in that
// language, whatever the visitor's own (its address is its language, for
// search engines and hreflang).
func (s *Server) handleKBLang(w http.ResponseWriter, r *http.Request) {
	lang := chi.URLParam(r, "lang")
	if !i18n.Supported(lang) {
		s.fail(w, r, apperr.New(apperr.NotFound, "kb_error_not_found"))
		return
	}
	s.kbHome(w, s.inLanguage(w, r, lang), lang)
}

// inLanguage is r with its UI language set to lang.
func (s *Server) inLanguage(w http.ResponseWriter, r *http.Request, lang string) *http.Request {
	w.Header().Set("Content-Language", lang)
	return r.WithContext(i18n.WithLocalizer(r.Context(), s.cat.Localizer(lang)))
}

// kbHome is the help centre's front page: /kb in the visitor's language
// (fixed ""), or /kb/{lang}. Both have canonical and hreflang links to
// /kb/{lang} in each language with articles; /kb is the x-default.
func (s *Server) kbHome(w http.ResponseWriter, r *http.Request, fixed string) {
	ctx := r.Context()
	lang := i18n.FromContext(ctx).Lang
	staff := isStaff(r)
	q := r.URL.Query().Get("q")
	v := views.KBHomeView{Query: q, Staff: staff, Action: "/kb"}
	if fixed != "" {
		v.Action = "/kb/" + fixed
	}
	st := s.kbStore()
	status := http.StatusOK
	coverage, err := st.Coverage(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	alternates := map[string]string{}
	for _, l := range kb.Languages(coverage) {
		alternates[l] = "/kb/" + l
		if l != lang {
			v.Languages = append(v.Languages, views.KBLanguageLink{Lang: l, Path: "/kb/" + l})
		}
	}
	if strings.TrimSpace(q) != "" {
		res, err := st.Search(ctx, q, lang, staff, 20)
		switch {
		case apperr.Is(err, apperr.Invalid):
			v.Errors, status = apperr.FieldsOf(err), http.StatusUnprocessableEntity
		case err != nil:
			s.fail(w, r, err)
			return
		default:
			v.Searched, v.Results = true, res
		}
	} else {
		cats, err := st.Categories(ctx)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		list, err := st.Translations(ctx, lang, staff)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		byCat := map[int64][]kb.Translation{}
		for _, t := range list {
			byCat[t.CategoryID] = append(byCat[t.CategoryID], t)
		}
		for _, c := range cats {
			if len(byCat[c.ID]) > 0 {
				v.Groups = append(v.Groups, views.KBGroup{Name: c.Name(lang), Path: kbCategoryPath(lang, c.Slug), Articles: byCat[c.ID]})
			}
		}
		if len(byCat[0]) > 0 {
			v.Groups = append(v.Groups, views.KBGroup{Name: i18n.FromContext(ctx).T("kb_uncategorised"), Articles: byCat[0]})
		}
	}
	p := s.page(r, "kb_title", "kb")
	canonical := ""
	if !v.Searched {
		canonical = v.Action
	}
	head := s.kbHead(i18n.FromContext(ctx).T("kb_intro"), canonical, alternates)
	if canonical == "" {
		head.Alternates = nil // a search result is not an alternate of anything
	}
	head.Default = ""
	if len(head.Alternates) > 0 {
		head.Default = s.absURL("/kb")
	}
	p.Head = head.Tags()
	s.render(w, r, status, views.KBHomePage(p, v))
}

// kbCategoryPath is a category's page in lang.
func kbCategoryPath(lang, slug string) string { return "/kb/" + lang + "/category/" + slug }

// handleKBCategory is /kb/{lang}/category/{cat}: one category's articles in
// that language, with hreflang links to the category in the other
// languages that have articles in it.
func (s *Server) handleKBCategory(w http.ResponseWriter, r *http.Request) {
	lang, slug := chi.URLParam(r, "lang"), chi.URLParam(r, "cat")
	if !i18n.Supported(lang) {
		s.fail(w, r, apperr.New(apperr.NotFound, "kb_error_not_found"))
		return
	}
	r = s.inLanguage(w, r, lang)
	ctx := r.Context()
	staff := isStaff(r)
	st := s.kbStore()
	cats, err := st.Categories(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var cat *kb.Category
	for i := range cats {
		if cats[i].Slug == slug {
			cat = &cats[i]
		}
	}
	if cat == nil {
		s.fail(w, r, apperr.New(apperr.NotFound, "kb_error_not_found"))
		return
	}
	list, err := st.Translations(ctx, lang, staff)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := views.KBCategoryView{Name: cat.Name(lang), Staff: staff, Home: "/kb/" + lang}
	for _, t := range list {
		if t.CategoryID == cat.ID {
			v.Articles = append(v.Articles, t)
		}
	}
	coverage, err := st.Coverage(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	here := coverage[cat.ID]
	if len(v.Articles) == 0 && !slices.Contains(here, lang) {
		s.fail(w, r, apperr.New(apperr.NotFound, "kb_error_not_found"))
		return
	}
	alternates := map[string]string{}
	for _, l := range i18n.Locales {
		if slices.Contains(here, l) {
			alternates[l] = kbCategoryPath(l, cat.Slug)
			if l != lang {
				v.Languages = append(v.Languages, views.KBLanguageLink{Lang: l, Path: kbCategoryPath(l, cat.Slug)})
			}
		}
	}
	p := s.page(r, "kb_title", "kb")
	p.Title = v.Name
	head := s.kbHead(i18n.FromContext(ctx).T("kb_category_description", "Category", v.Name), kbCategoryPath(lang, cat.Slug), alternates)
	if head.Default == "" || alternates["en"] == "" {
		head.Default = s.absURL("/kb")
	}
	p.Head = head.Tags()
	s.render(w, r, http.StatusOK, views.KBCategoryPage(p, v))
}

// kbPathIn is back, a help centre front or category page in one language,
// in lang instead (the language switch stays on the page it was used on);
// any other path is back itself.
func kbPathIn(back, lang string) string {
	parts := strings.Split(back, "/") // "", "kb", lang, ...
	if len(parts) < 3 || parts[1] != "kb" || !i18n.Supported(parts[2]) || strings.ContainsAny(back, "?#") {
		return back
	}
	if len(parts) == 3 || (len(parts) == 5 && parts[3] == "category") {
		parts[2] = lang
		return strings.Join(parts, "/")
	}
	return back
}

// absURL is path on the desk's base URL.
func (s *Server) absURL(path string) string { return strings.TrimRight(s.baseURL.String(), "/") + path }

func (s *Server) handleKBArticle(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	lang, slug := chi.URLParam(r, "lang"), chi.URLParam(r, "slug")
	if !i18n.Supported(lang) {
		s.fail(w, r, apperr.New(apperr.NotFound, "kb_error_not_found"))
		return
	}
	st := s.kbStore()
	t, siblings, err := st.Published(ctx, lang, slug, isStaff(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	v := views.KBArticleView{T: t, HTML: kb.Render(t.Body), Siblings: siblings, Answered: q.Get("answered") == "1"}
	if q.Get("from") == "help" && validRef(q.Get("ref")) {
		v.FromHelp, v.Ref = true, q.Get("ref")
		if err := st.Record(ctx, kb.Opened, []int64{t.ID}, v.Ref); err != nil {
			s.log.WarnContext(ctx, "kb: count an opened article", "request_id", requestID(ctx), "err", err)
		}
	}
	if t.CategoryID != 0 {
		if cats, err := st.Categories(ctx); err == nil {
			for _, c := range cats {
				if c.ID == t.CategoryID {
					v.Category = c.Name(i18n.FromContext(ctx).Lang)
					if !t.Internal {
						v.CategoryPath = kbCategoryPath(t.Locale, c.Slug)
					}
				}
			}
		}
	}
	if u := currentUser(ctx); u != nil {
		if u.Role.AtLeast(staff.RoleSupervisor) {
			v.Edit, v.EditMsg = "/supervisor/kb/translations/"+strconv.FormatInt(t.ID, 10), "kb_edit_title"
		} else {
			v.Edit, v.EditMsg = "/kb/propose/"+strconv.FormatInt(t.ID, 10), "kb_propose_title"
		}
	}
	alternates := map[string]string{}
	for _, sib := range siblings {
		alternates[sib.Locale] = sib.Path()
	}
	p := s.page(r, "kb_title", "kb")
	p.Title = t.Title
	p.Head = s.kbHead(kb.Excerpt(t.Body, 155), t.Path(), alternates).Tags()
	if v.FromHelp {
		// A page with the customer's form reference is not for indexing.
		w.Header().Set("X-Robots-Tag", "noindex")
	}
	s.render(w, r, http.StatusOK, views.KBArticlePage(p, v))
}

// handleKBAnswered is "this answered my question": the visit ends without a
// ticket, and the deflection is counted.
func (s *Server) handleKBAnswered(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	lang, slug := chi.URLParam(r, "lang"), chi.URLParam(r, "slug")
	if !i18n.Supported(lang) {
		s.fail(w, r, apperr.New(apperr.NotFound, "kb_error_not_found"))
		return
	}
	st := s.kbStore()
	t, _, err := st.Published(ctx, lang, slug, false)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if ref := r.PostForm.Get("ref"); validRef(ref) {
		if err := st.Record(ctx, kb.Deflected, []int64{t.ID}, ref); err != nil {
			s.fail(w, r, err)
			return
		}
		s.log.InfoContext(ctx, "kb: a question answered without a ticket", "request_id", requestID(ctx), "translation_id", t.ID)
	}
	redirect(w, r, t.Path()+"?answered=1")
}

// helpRef is the deflection reference of a help form: a hash of its key,
// so the key itself never appears in a URL.
func helpRef(formKey string) string {
	if strings.TrimSpace(formKey) == "" {
		return ""
	}
	sum := sha256.Sum256([]byte("kb-ref:" + formKey))
	return hex.EncodeToString(sum[:12])
}

func validRef(ref string) bool {
	if len(ref) != 24 {
		return false
	}
	_, err := hex.DecodeString(ref)
	return err == nil
}

// handleHelpSuggest is the htmx fragment of suggested articles for what the
// customer is typing on /help.
func (s *Server) handleHelpSuggest(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	// Each call is a full text search: per client address, at most
	// limitSuggest. Over it the answer is an empty fragment with 429 (htmx
	// keeps what it showed; the form still works).
	if _, ok, err := s.rateTake(ctx, limitSuggest, clientIP(r)); err != nil {
		s.fail(w, r, err)
		return
	} else if !ok {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Retry-After", strconv.Itoa(int(limitSuggest.window/time.Second)))
		w.WriteHeader(http.StatusTooManyRequests)
		return
	}
	text := q.Get("subject") + "\n" + q.Get("message")
	lang := q.Get("locale")
	if !i18n.Supported(lang) {
		lang = i18n.FromContext(ctx).Lang
	}
	ref := helpRef(q.Get("form_key"))
	list, err := s.kbStore().Suggest(ctx, clip(text, 2000), lang, 5)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.countSuggested(r, list, ref)
	s.render(w, r, http.StatusOK, views.KBSuggestions(list, ref))
}

// limitSuggest bounds /help/suggest per client address: a customer typing a
// question sends a few dozen (one per pause), a script thousands.
var limitSuggest = rateLimit{"suggest", 120, 10 * time.Minute}

// clip keeps the first n bytes of s, on a rune boundary: a suggestion
// needs the beginning of a long message only.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }

func (s *Server) countSuggested(r *http.Request, list []kb.Translation, ref string) {
	if len(list) == 0 || ref == "" {
		return
	}
	ids := make([]int64, len(list))
	for i, t := range list {
		ids[i] = t.ID
	}
	if err := s.kbStore().Record(r.Context(), kb.Suggested, ids, ref); err != nil {
		s.log.WarnContext(r.Context(), "kb: count suggestions", "request_id", requestID(r.Context()), "err", err)
	}
}

// kbSuggestFirst is /help's deflection step for a post that did not see
// suggestions yet (no JavaScript): when articles may answer the question,
// it shows them with a button that sends the message anyway, and reports
// true. A post with a file goes straight through (a file cannot be carried
// over to the second step).
func (s *Server) kbSuggestFirst(w http.ResponseWriter, r *http.Request, text, locale string) bool {
	if r.PostForm.Get("kb_checked") != "" {
		return false
	}
	ctx := r.Context()
	list, err := s.kbStore().Suggest(ctx, clip(text, 2000), locale, 5)
	if err != nil {
		s.log.WarnContext(ctx, "kb: suggestions for /help", "request_id", requestID(ctx), "err", err)
		return false
	}
	if len(list) == 0 {
		return false
	}
	ref := helpRef(r.PostForm.Get("form_key"))
	s.countSuggested(r, list, ref)
	var hidden [][2]string
	for _, name := range []string{"form_key", "name", "email", "locale", "subject", "message", "website"} {
		for _, v := range r.PostForm[name] {
			hidden = append(hidden, [2]string{name, v})
		}
	}
	s.render(w, r, http.StatusOK, views.KBDeflectStepPage(s.page(r, "kb_step_title", ""), list, ref, hidden))
	return true
}

// ---------------------------------------------------------------------------
// Editors: supervisors and admins.

func (s *Server) kbCategoryOptions(r *http.Request) ([]views.Option, []kb.Category, error) {
	cats, err := s.kbStore().Categories(r.Context())
	if err != nil {
		return nil, nil, err
	}
	lang := i18n.FromContext(r.Context()).Lang
	opts := []views.Option{{Value: "", Label: i18n.FromContext(r.Context()).T("kb_uncategorised")}}
	for _, c := range cats {
		opts = append(opts, views.Option{Value: strconv.FormatInt(c.ID, 10), Label: c.Name(lang)})
	}
	return opts, cats, nil
}

func (s *Server) renderKBAdmin(w http.ResponseWriter, r *http.Request, status int, form views.KBCategoryForm) {
	ctx := r.Context()
	lang := i18n.FromContext(ctx).Lang
	st := s.kbStore()
	all, err := st.All(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	cats, err := st.Categories(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	catName := map[int64]string{}
	for _, c := range cats {
		catName[c.ID] = c.Name(lang)
	}
	v := views.KBAdminView{Lang: lang, Categories: cats, Category: form}
	if v.Proposals, err = st.Proposals(ctx, 0); err != nil {
		s.fail(w, r, err)
		return
	}
	idx := map[int64]int{}
	for _, t := range all {
		i, ok := idx[t.ArticleID]
		if !ok {
			i = len(v.Articles)
			idx[t.ArticleID] = i
			v.Articles = append(v.Articles, views.KBAdminArticle{ArticleID: t.ArticleID, Internal: t.Internal,
				Category: catName[t.CategoryID], Translations: map[string]kb.Translation{}})
		}
		v.Articles[i].Translations[t.Locale] = t
	}
	p := s.page(r, "kb_admin_title", "supervisor")
	if status == http.StatusUnprocessableEntity {
		p.Flash = &views.Flash{Kind: "error", MsgID: "error_invalid_form"}
	}
	s.render(w, r, status, views.KBAdminPage(p, v))
}

func (s *Server) handleKBAdmin(w http.ResponseWriter, r *http.Request) {
	s.renderKBAdmin(w, r, http.StatusOK, views.KBCategoryForm{})
}

func (s *Server) handleKBCategoryCreate(w http.ResponseWriter, r *http.Request) {
	f := views.KBCategoryForm{Slug: r.PostForm.Get("slug"), Names: map[string]string{}}
	for _, l := range i18n.Locales {
		f.Names[l] = r.PostForm.Get("name_" + l)
	}
	u := currentUser(r.Context())
	_, err := s.kbStore().CreateCategory(r.Context(), u.ID, f.Slug, f.Names)
	if apperr.Is(err, apperr.Invalid) {
		f.Errors = apperr.FieldsOf(err)
		s.renderKBAdmin(w, r, http.StatusUnprocessableEntity, f)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(r, "success", "kb_flash_category")
	redirect(w, r, "/supervisor/kb")
}

func (s *Server) renderKBEdit(w http.ResponseWriter, r *http.Request, status int, f views.KBForm) {
	ctx := r.Context()
	opts, _, err := s.kbCategoryOptions(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := views.KBEditView{Form: f, Categories: opts}
	st := s.kbStore()
	if f.ArticleID != 0 {
		if v.Siblings, err = st.Siblings(ctx, f.ArticleID); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	if f.TranslationID != 0 {
		if v.Revisions, err = st.Revisions(ctx, f.TranslationID); err != nil {
			s.fail(w, r, err)
			return
		}
		if t, err := st.Get(ctx, f.TranslationID); err == nil && t.Status == kb.StatusPublished {
			v.Published = &t
		}
		if v.Proposals, err = st.Proposals(ctx, f.TranslationID); err != nil {
			s.fail(w, r, err)
			return
		}
		if f.ProposalID != 0 {
			for i := range v.Proposals {
				if v.Proposals[i].ID == f.ProposalID {
					v.Proposal = &v.Proposals[i]
				}
			}
		}
	}
	titleID := "kb_edit_title"
	if f.TranslationID == 0 {
		titleID = "kb_new_title"
	}
	p := s.page(r, titleID, "supervisor")
	if status == http.StatusUnprocessableEntity {
		p.Flash = &views.Flash{Kind: "error", MsgID: "error_invalid_form"}
	}
	s.render(w, r, status, views.KBEditPage(p, v))
}

// handleKBNew is the form for a new article (?lang=) or a new translation
// of one (?article=&lang=).
func (s *Server) handleKBNew(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := views.KBForm{Locale: q.Get("lang"), Status: kb.StatusDraft}
	if !i18n.Supported(f.Locale) {
		f.Locale = i18n.FromContext(r.Context()).Lang
	}
	if a := q.Get("article"); a != "" {
		id, err := strconv.ParseInt(a, 10, 64)
		if err != nil || id <= 0 {
			s.fail(w, r, apperr.New(apperr.NotFound, "kb_error_not_found"))
			return
		}
		sib, err := s.kbStore().Siblings(r.Context(), id)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if len(sib) == 0 {
			s.fail(w, r, apperr.New(apperr.NotFound, "kb_error_not_found"))
			return
		}
		f.ArticleID, f.Internal = id, sib[0].Internal
		if sib[0].CategoryID != 0 {
			f.CategoryID = strconv.FormatInt(sib[0].CategoryID, 10)
		}
		// Start from the first language's text, to be translated.
		f.Body, f.Tags = sib[0].Body, strings.Join(sib[0].Tags, ", ")
	}
	s.renderKBEdit(w, r, http.StatusOK, f)
}

func kbFormOf(t kb.Translation) views.KBForm {
	f := views.KBForm{TranslationID: t.ID, ArticleID: t.ArticleID, Locale: t.Locale, Slug: t.Slug, Title: t.Title, Body: t.Body,
		Tags: strings.Join(t.Tags, ", "), Status: t.Status, Internal: t.Internal, Version: strconv.Itoa(t.Version)}
	if t.CategoryID != 0 {
		f.CategoryID = strconv.FormatInt(t.CategoryID, 10)
	}
	return f
}

func kbTranslationID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(chi.URLParam(r, "tid"), 10, 64)
	if err != nil || id <= 0 {
		return 0, apperr.New(apperr.NotFound, "kb_error_not_found")
	}
	return id, nil
}

func (s *Server) handleKBEdit(w http.ResponseWriter, r *http.Request) {
	id, err := kbTranslationID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	st := s.kbStore()
	t, err := st.Get(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := kbFormOf(t)
	if raw := r.URL.Query().Get("proposal"); raw != "" {
		// A rep's proposal, loaded into the form for the editor to check and save.
		pid, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || pid <= 0 {
			s.fail(w, r, apperr.New(apperr.NotFound, "kb_error_proposal_not_found"))
			return
		}
		p, err := st.Proposal(r.Context(), pid)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if p.TranslationID != id {
			s.fail(w, r, apperr.New(apperr.NotFound, "kb_error_proposal_not_found"))
			return
		}
		f.Title, f.Body, f.ProposalID = p.Title, p.Body, p.ID
	}
	s.renderKBEdit(w, r, http.StatusOK, f)
}

func (s *Server) handleKBCreate(w http.ResponseWriter, r *http.Request) { s.saveKB(w, r, 0) }

func (s *Server) handleKBSave(w http.ResponseWriter, r *http.Request) {
	id, err := kbTranslationID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.saveKB(w, r, id)
}

// saveKB creates (id 0) or edits a translation: bad input re-renders the
// form filled in with 422; success returns to the form with a flash.
func (s *Server) saveKB(w http.ResponseWriter, r *http.Request, id int64) {
	pf := r.PostForm
	f := views.KBForm{TranslationID: id, Locale: pf.Get("locale"), Slug: pf.Get("slug"), Title: pf.Get("title"), Body: pf.Get("body"),
		Tags: pf.Get("tags"), Status: pf.Get("status"), CategoryID: pf.Get("category_id"), Internal: pf.Get("internal") != "",
		Version: pf.Get("version")}
	f.ArticleID, _ = strconv.ParseInt(pf.Get("article_id"), 10, 64)
	f.ProposalID, _ = strconv.ParseInt(pf.Get("proposal_id"), 10, 64)
	d := kb.Draft{ArticleID: f.ArticleID, Internal: f.Internal, Locale: f.Locale, Slug: f.Slug, Title: f.Title, Body: f.Body,
		Tags: f.Tags, Status: f.Status}
	d.Version, _ = strconv.Atoi(f.Version)
	if f.CategoryID != "" {
		c, err := strconv.ParseInt(f.CategoryID, 10, 64)
		if err != nil || c <= 0 {
			c = -1 // refused by the foreign key: a field error
		}
		d.CategoryID = c
	}
	u := currentUser(r.Context())
	t, err := s.kbStore().Save(r.Context(), u.ID, id, d)
	if apperr.Is(err, apperr.Invalid) {
		f.Errors = apperr.FieldsOf(err)
		s.renderKBEdit(w, r, http.StatusUnprocessableEntity, f)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if f.ProposalID != 0 && id != 0 {
		if err := s.kbStore().CloseProposal(r.Context(), u.ID, f.ProposalID, true); err != nil && !apperr.Is(err, apperr.NotFound) {
			s.log.WarnContext(r.Context(), "kb: close an applied proposal", "request_id", requestID(r.Context()), "err", err)
		}
	}
	s.log.InfoContext(r.Context(), "kb article saved", "request_id", requestID(r.Context()), "user_id", u.ID, "translation_id", t.ID)
	s.flash(r, "success", "kb_flash_saved")
	redirect(w, r, "/supervisor/kb/translations/"+strconv.FormatInt(t.ID, 10))
}

// ---------------------------------------------------------------------------
// Reps propose edits; editors dismiss them (or apply them by saving).

func (s *Server) handleKBPropose(w http.ResponseWriter, r *http.Request) {
	id, err := kbTranslationID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	t, err := s.kbStore().Get(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, views.KBProposePage(s.page(r, "kb_propose_title", "kb"),
		views.KBProposeView{T: t, Title: t.Title, Body: t.Body}))
}

func (s *Server) handleKBProposeSave(w http.ResponseWriter, r *http.Request) {
	id, err := kbTranslationID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	st := s.kbStore()
	t, err := st.Get(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := views.KBProposeView{T: t, Title: r.PostForm.Get("title"), Body: r.PostForm.Get("body"), Note: r.PostForm.Get("note")}
	u := currentUser(r.Context())
	if _, err := st.Propose(r.Context(), u.ID, id, v.Title, v.Body, v.Note); err != nil {
		if apperr.Is(err, apperr.Invalid) {
			v.Errors = apperr.FieldsOf(err)
			p := s.page(r, "kb_propose_title", "kb")
			p.Flash = &views.Flash{Kind: "error", MsgID: "error_invalid_form"}
			s.render(w, r, http.StatusUnprocessableEntity, views.KBProposePage(p, v))
			return
		}
		s.fail(w, r, err)
		return
	}
	s.flash(r, "success", "kb_flash_proposed")
	to := "/kb"
	if t.Status == kb.StatusPublished {
		to = t.Path()
	}
	redirect(w, r, to)
}

func (s *Server) handleKBProposalDismiss(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(chi.URLParam(r, "pid"), 10, 64)
	if err != nil || id <= 0 {
		s.fail(w, r, apperr.New(apperr.NotFound, "kb_error_proposal_not_found"))
		return
	}
	u := currentUser(r.Context())
	if err := s.kbStore().CloseProposal(r.Context(), u.ID, id, false); err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(r, "success", "kb_flash_dismissed")
	redirect(w, r, "/supervisor/kb")
}
