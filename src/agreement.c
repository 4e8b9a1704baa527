/*
 * agreement.c - a scorer's agreement with human labels: the statistics
 * (accuracy, Cohen's kappa, mean absolute error, Spearman's rho, each with
 * its interval), the pairing of scores with labels, and reading the result
 * back from a run's metrics for the reporters and the gate.
 */
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pawl/agreement.h"
#include "pawl/alloc.h"
#include "pawl/stats.h"

/*
 * pawl_stats_z() is accurate to about 1e-9; one Newton step on the normal CDF
 * makes it exact to double precision, so intervals match a textbook
 * computation to the last digits.
 */
static double z_of(double confidence)
{
    double z = pawl_stats_z(confidence), c = confidence, p, e;

    if (!(c >= PAWL_STATS_CONFIDENCE_MIN))
        c = isnan(c) ? 0.95 : PAWL_STATS_CONFIDENCE_MIN;
    if (c > PAWL_STATS_CONFIDENCE_MAX)
        c = PAWL_STATS_CONFIDENCE_MAX;
    p = 1 - (1 - c) / 2;
    e = 0.5 * erfc(-z / sqrt(2.0)) - p;
    return z - e * 2.5066282746310002 * exp(z * z / 2); /* sqrt(2 pi) */
}

static struct pawl_agreement_value undefined(void)
{
    struct pawl_agreement_value v = {NAN, 0, 0, 0};
    return v;
}

/* ---- the statistics ------------------------------------------------------ */

struct pawl_agreement_value pawl_agreement_accuracy(size_t agree, size_t n, double confidence)
{
    struct pawl_agreement_value v = undefined();
    double z = z_of(confidence), nn = (double)n, p, den, centre, half;

    if (n == 0)
        return v;
    if (agree > n)
        agree = n;
    p = (double)agree / nn;
    den = 1 + z * z / nn;
    centre = (p + z * z / (2 * nn)) / den;
    half = z * sqrt(p * (1 - p) / nn + z * z / (4 * nn * nn)) / den;
    v.value = p;
    v.has_ci = 1;
    v.lo = fmax(0, centre - half);
    v.hi = fmin(1, centre + half);
    return v;
}

struct pawl_agreement_value pawl_agreement_kappa(const size_t *table, size_t k, double confidence)
{
    struct pawl_agreement_value v = undefined();
    double *row = NULL, *col = NULL, nn, po = 0, pe, kappa, a = 0, b = 0, c, var, half;
    unsigned long long n = 0, diag = 0, rc = 0;
    size_t i, j;

    for (i = 0; i < k * k; i++)
        n += table[i];
    if (n == 0)
        return v;
    row = pawl_xcalloc(k, sizeof(*row));
    col = pawl_xcalloc(k, sizeof(*col));
    for (i = 0; i < k; i++) {
        unsigned long long r = 0, cc = 0;
        for (j = 0; j < k; j++) {
            r += table[i * k + j];
            cc += table[j * k + i];
        }
        diag += table[i * k + i];
        rc += r * cc;
        row[i] = (double)r;
        col[i] = (double)cc;
    }
    /* Exact in integers: p_e = 1 only when both sides put every pair in one category. */
    if (rc == n * n)
        goto done;
    nn = (double)n;
    for (i = 0; i < k; i++) {
        row[i] /= nn;
        col[i] /= nn;
    }
    po = (double)diag / nn;
    pe = (double)rc / (nn * nn);
    kappa = (po - pe) / (1 - pe);
    /* Fleiss, Cohen & Everitt (1969): the large-sample variance when kappa != 0. */
    for (i = 0; i < k; i++) {
        for (j = 0; j < k; j++) {
            double p = (double)table[i * k + j] / nn;
            if (i == j) {
                double t = 1 - (row[i] + col[i]) * (1 - kappa);
                a += p * t * t;
            } else {
                b += p * (col[i] + row[j]) * (col[i] + row[j]);
            }
        }
    }
    b *= (1 - kappa) * (1 - kappa);
    c = (kappa - pe * (1 - kappa)) * (kappa - pe * (1 - kappa));
    var = (a + b - c) / (nn * (1 - pe) * (1 - pe));
    half = z_of(confidence) * sqrt(var > 0 ? var : 0);
    v.value = kappa;
    v.has_ci = 1;
    v.lo = fmax(-1, kappa - half);
    v.hi = fmin(1, kappa + half);
done:
    free(row);
    free(col);
    return v;
}

struct pawl_agreement_value pawl_agreement_mae(const double *judge, const double *label, size_t n,
                                               double confidence)
{
    struct pawl_agreement_value v = undefined();
    double *d;
    size_t i;

    if (n == 0)
        return v;
    d = pawl_xcalloc(n, sizeof(*d));
    for (i = 0; i < n; i++)
        d[i] = fabs(judge[i] - label[i]);
    v.value = pawl_stats_mean(d, n);
    if (n > 1) {
        double half = z_of(confidence) * pawl_stats_sd(d, n) / sqrt((double)n);
        v.has_ci = 1;
        v.lo = fmax(0, v.value - half);
        v.hi = v.value + half;
    }
    free(d);
    return v;
}

struct rank_item {
    double x;
    size_t i;
};

static int cmp_rank_item(const void *pa, const void *pb)
{
    const struct rank_item *a = pa, *b = pb;

    if (a->x != b->x)
        return (a->x > b->x) - (a->x < b->x);
    return (a->i > b->i) - (a->i < b->i);
}

void pawl_agreement_ranks(double *out, const double *x, size_t n)
{
    struct rank_item *it;
    size_t i, j, k;

    if (n == 0)
        return;
    it = pawl_xcalloc(n, sizeof(*it));
    for (i = 0; i < n; i++) {
        it[i].x = x[i];
        it[i].i = i;
    }
    qsort(it, n, sizeof(*it), cmp_rank_item);
    for (i = 0; i < n; i = j) {
        for (j = i + 1; j < n && it[j].x == it[i].x; j++)
            ;
        /* positions i..j-1 (0-based) share the mean of the ranks i+1..j */
        for (k = i; k < j; k++)
            out[it[k].i] = ((double)i + 1 + (double)j) / 2;
    }
    free(it);
}

struct pawl_agreement_value pawl_agreement_spearman(const double *judge, const double *label,
                                                    size_t n, double confidence)
{
    struct pawl_agreement_value v = undefined();
    double *rx, *ry, mx, my, sxy = 0, sxx = 0, syy = 0, r;
    size_t i;

    if (n < 2)
        return v;
    rx = pawl_xcalloc(n, sizeof(*rx));
    ry = pawl_xcalloc(n, sizeof(*ry));
    pawl_agreement_ranks(rx, judge, n);
    pawl_agreement_ranks(ry, label, n);
    mx = pawl_stats_mean(rx, n);
    my = pawl_stats_mean(ry, n);
    for (i = 0; i < n; i++) {
        sxy += (rx[i] - mx) * (ry[i] - my);
        sxx += (rx[i] - mx) * (rx[i] - mx);
        syy += (ry[i] - my) * (ry[i] - my);
    }
    free(rx);
    free(ry);
    if (sxx == 0 || syy == 0)
        return v;
    r = fmax(-1, fmin(1, sxy / sqrt(sxx * syy)));
    v.value = r;
    if (n >= 4) {
        v.has_ci = 1;
        if (fabs(r) == 1) {
            v.lo = v.hi = r;
        } else {
            double zr = atanh(r), half = z_of(confidence) * 1.06 / sqrt((double)n - 3);
            v.lo = tanh(zr - half);
            v.hi = tanh(zr + half);
        }
    }
    return v;
}

/* ---- pairing scores with labels ------------------------------------------ */

enum family { FAM_NONE, FAM_BOOL, FAM_CAT, FAM_NUM, FAM_OTHER };

struct label {
    enum family fam;
    int b;
    double num;
    const char *cat;
};

static const json_t *find_label(const json_t *metadata, const char *scorer)
{
    const json_t *labels = json_object_get(metadata, "labels"), *v = NULL;
    char *flat;

    if (json_is_object(labels))
        v = json_object_get(labels, scorer);
    if (!v && json_is_object(metadata)) {
        /* A CSV column metadata.labels.NAME arrives as the flat key "labels.NAME". */
        flat = pawl_xasprintf("labels.%s", scorer);
        v = json_object_get(metadata, flat);
        free(flat);
    }
    return v;
}

static struct label read_label(const json_t *v)
{
    struct label l = {FAM_NONE, 0, 0, NULL};
    const char *s;
    char *end;

    if (!v || json_is_null(v))
        return l;
    if (json_is_boolean(v)) {
        l.fam = FAM_BOOL;
        l.b = json_is_true(v);
    } else if (json_is_number(v)) {
        l.fam = FAM_NUM;
        l.num = json_number_value(v);
    } else if (json_is_string(v)) {
        s = json_string_value(v);
        if (!*s)
            return l;
        if (strcasecmp(s, "true") == 0 || strcasecmp(s, "false") == 0) {
            l.fam = FAM_BOOL;
            l.b = strcasecmp(s, "true") == 0;
            return l;
        }
        l.num = strtod(s, &end);
        if (end != s && *end == '\0' && isfinite(l.num)) {
            l.fam = FAM_NUM;
            return l;
        }
        l.fam = FAM_CAT;
        l.cat = s;
    } else {
        l.fam = FAM_OTHER;
    }
    return l;
}

/* Categories seen on either side, matched ignoring ASCII case; the first spelling names one. */
struct cats {
    const char **names;
    size_t n, alloc;
};

static size_t cat_index(struct cats *c, const char *name)
{
    size_t i;

    for (i = 0; i < c->n; i++)
        if (strcasecmp(c->names[i], name) == 0)
            return i;
    PAWL_ALLOC_GROW(c->names, c->n + 1, c->alloc);
    c->names[c->n] = name;
    return c->n++;
}

static const struct pawl_score *usable(const struct pawl_trial *t, size_t si, enum family fam)
{
    const struct pawl_score *s;

    if (!t->scores || t->scores[si].errored)
        return NULL;
    s = &t->scores[si];
    if (fam == FAM_CAT && (s->type != PAWL_SCORE_CATEGORICAL || !s->category))
        return NULL;
    return s;
}

static int same(const struct pawl_score *a, const struct pawl_score *b, enum family fam)
{
    if (fam == FAM_CAT)
        return strcasecmp(a->category, b->category) == 0;
    return !a->passed == !b->passed;
}

/*
 * The scorer's verdict on case `c`: the majority of its usable trials (the
 * earliest of the tied values wins), or their mean for numbers. NULL when
 * no trial is usable; for numbers *mean is set and a usable trial returned.
 */
static const struct pawl_score *verdict(const struct pawl_case_result *c, size_t si,
                                        enum family fam, double *mean)
{
    const struct pawl_score *best = NULL, *s, *o;
    size_t t, u, count, best_count = 0, k = 0;
    double sum = 0;

    for (t = 0; t < c->n_trials; t++) {
        if (!(s = usable(&c->trials[t], si, fam)))
            continue;
        if (fam == FAM_NUM) {
            sum += s->value;
            k++;
            best = s;
            continue;
        }
        for (count = 0, u = 0; u < c->n_trials; u++)
            if ((o = usable(&c->trials[u], si, fam)) && same(s, o, fam))
                count++;
        if (count > best_count) {
            best = s;
            best_count = count;
        }
    }
    if (fam == FAM_NUM && k)
        *mean = sum / (double)k;
    return best;
}

static void compute_one(struct pawl_agreement *a, const struct pawl_results *r, size_t si,
                        double confidence)
{
    struct cats cats = {NULL, 0, 0};
    size_t *jx = pawl_xcalloc(r->n_cases + 1, sizeof(*jx));
    size_t *lx = pawl_xcalloc(r->n_cases + 1, sizeof(*lx));
    double *jv = pawl_xcalloc(r->n_cases + 1, sizeof(*jv));
    double *lv = pawl_xcalloc(r->n_cases + 1, sizeof(*lv));
    size_t ci, i, agree = 0, *table;
    enum family fam = FAM_NONE;

    for (ci = 0; ci < r->n_cases; ci++) {
        const struct pawl_case_result *c = &r->cases[ci];
        struct label l = read_label(find_label(c->metadata, r->scorer_names[si]));
        const struct pawl_score *s;
        double mean = 0;

        if (l.fam == FAM_NONE)
            continue;
        if (fam == FAM_NONE && l.fam != FAM_OTHER)
            fam = l.fam;
        if (l.fam != fam || !(s = verdict(c, si, fam, &mean))) {
            a->excluded++;
            continue;
        }
        if (fam == FAM_NUM) {
            jv[a->n] = mean;
            lv[a->n] = l.num;
        } else if (fam == FAM_BOOL) {
            jx[a->n] = s->passed ? 1 : 0;
            lx[a->n] = (size_t)l.b;
        } else {
            jx[a->n] = cat_index(&cats, s->category);
            lx[a->n] = cat_index(&cats, l.cat);
        }
        a->n++;
    }
    a->numeric = fam == FAM_NUM;
    a->accuracy = a->kappa = a->mae = a->spearman = undefined();
    if (a->numeric) {
        a->mae = pawl_agreement_mae(jv, lv, a->n, confidence);
        a->spearman = pawl_agreement_spearman(jv, lv, a->n, confidence);
    } else {
        size_t k = fam == FAM_BOOL ? 2 : cats.n;
        table = pawl_xcalloc(k * k + 1, sizeof(*table));
        for (i = 0; i < a->n; i++) {
            table[jx[i] * k + lx[i]]++;
            agree += jx[i] == lx[i];
        }
        a->accuracy = pawl_agreement_accuracy(agree, a->n, confidence);
        a->kappa = pawl_agreement_kappa(table, k, confidence);
        free(table);
    }
    free(cats.names);
    free(jx);
    free(lx);
    free(jv);
    free(lv);
}

static int has_label(const struct pawl_results *r, const char *scorer)
{
    size_t ci;

    for (ci = 0; ci < r->n_cases; ci++)
        if (read_label(find_label(r->cases[ci].metadata, scorer)).fam != FAM_NONE)
            return 1;
    return 0;
}

size_t pawl_agreement_compute(struct pawl_agreement **out, const struct pawl_results *r,
                              double confidence)
{
    size_t si, n = 0;

    *out = NULL;
    for (si = 0; si < r->n_scorers; si++) {
        if (!has_label(r, r->scorer_names[si]))
            continue;
        *out = pawl_xreallocarray(*out, n + 1, sizeof(**out));
        memset(&(*out)[n], 0, sizeof(**out));
        (*out)[n].scorer = r->scorer_names[si];
        compute_one(&(*out)[n], r, si, confidence);
        n++;
    }
    return n;
}

/* ---- reading the metrics back -------------------------------------------- */

static const char *const stat_names[] = {"n",   "excluded", "accuracy", "kappa",
                                         "mae", "spearman", NULL};

/* The statistic's index in stat_names when `name` is agreement.<scorer>.<stat>, else -1;
 * *scorer_len gets the length of <scorer>. */
static int split_name(const char *name, size_t *scorer_len)
{
    size_t plen = strlen(PAWL_AGREEMENT_PREFIX);
    const char *dot;
    int i;

    if (!name || strncmp(name, PAWL_AGREEMENT_PREFIX, plen) != 0)
        return -1;
    dot = strrchr(name + plen, '.');
    if (!dot || dot == name + plen)
        return -1;
    for (i = 0; stat_names[i]; i++)
        if (strcmp(dot + 1, stat_names[i]) == 0) {
            *scorer_len = (size_t)(dot - name) - plen;
            return i;
        }
    return -1;
}

int pawl_agreement_is_metric(const char *name)
{
    size_t len;

    return split_name(name, &len) >= 0;
}

static const struct pawl_metric *stat_metric(const struct pawl_results *r, const char *scorer,
                                             const char *stat)
{
    char *name = pawl_xasprintf(PAWL_AGREEMENT_PREFIX "%s.%s", scorer, stat);
    const struct pawl_metric *m = pawl_results_metric(r, name);

    free(name);
    return m;
}

size_t pawl_agreement_views(struct pawl_agreement_view **out, const struct pawl_results *r)
{
    size_t i, len, n = 0;

    *out = NULL;
    for (i = 0; i < r->n_metrics; i++) {
        struct pawl_agreement_view *v;
        if (split_name(r->metrics[i].name, &len) != 0)
            continue;
        *out = pawl_xreallocarray(*out, n + 1, sizeof(**out));
        v = &(*out)[n++];
        v->scorer = pawl_xstrndup(r->metrics[i].name + strlen(PAWL_AGREEMENT_PREFIX), len);
        v->n = &r->metrics[i];
        v->excluded = stat_metric(r, v->scorer, "excluded");
        v->accuracy = stat_metric(r, v->scorer, "accuracy");
        v->kappa = stat_metric(r, v->scorer, "kappa");
        v->mae = stat_metric(r, v->scorer, "mae");
        v->spearman = stat_metric(r, v->scorer, "spearman");
    }
    return n;
}

void pawl_agreement_views_free(struct pawl_agreement_view *v, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        free(v[i].scorer);
    free(v);
}
