/* Optional accelerator for capacity.sources._matrix: reads the "values" array
 * of one series in a compact query_range answer,
 *
 *     [[1788220800,"1.5"],[1788220860.123,"NaN"],...]
 *
 * into int64 nanoseconds and float64 values, written into caller-provided
 * buffers. Exactly what Prometheus (and VictoriaMetrics) write is accepted,
 * times strictly increasing; anything else (whitespace, more than millisecond
 * precision, an unexpected character, times out of order) raises ValueError and the caller reads the answer with `json`.
 *
 * Floats are correctly rounded: the exact fast path (Clinger: a mantissa of at
 * most 2^53 times or divided by an exactly representable power of ten) covers
 * what exporters usually write; other texts go through Python's own
 * PyOS_string_to_double, the parser behind float(). The scan runs without the
 * GIL (the other pieces of a pull go on meanwhile); the texts left for Python
 * are read after it, with the GIL.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <math.h>

static const double POW10[23] = {
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

#define TWO53 9007199254740992ULL

#if PY_LITTLE_ENDIAN
/* Eight ASCII digits at once (the well-known SWAR trick): are they all digits, and their value. */
static inline uint64_t load8(const char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static inline int all_digits8(uint64_t v)
{
    return ((v & 0xF0F0F0F0F0F0F0F0ULL) | (((v + 0x0606060606060606ULL) & 0xF0F0F0F0F0F0F0F0ULL) >> 4)) == 0x3333333333333333ULL;
}

static inline uint64_t digits8(uint64_t v)
{
    const uint64_t mask = 0x000000FF000000FFULL;
    v -= 0x3030303030303030ULL;
    v = (v * 10) + (v >> 8); /* pairs */
    return (((v & mask) * (100ULL + (1000000ULL << 32))) + (((v >> 16) & mask) * (1ULL + (10000ULL << 32)))) >> 32;
}

/* Digits from *pp while at least eight of them follow, into *m (which wraps past 19 digits; callers count). */
static inline void eights(const char **pp, const char *end, uint64_t *m)
{
    const char *p = *pp;
    while (end - p >= 8) {
        uint64_t v = load8(p);
        if (!all_digits8(v))
            break;
        *m = *m * 100000000ULL + digits8(v);
        p += 8;
    }
    *pp = p;
}
#else
static inline void eights(const char **pp, const char *end, uint64_t *m) { (void)pp; (void)end; (void)m; }
#endif

/* Steps *pp over a leading '-'; returns 1 when there was one. */
static inline int minus_sign(const char **pp, const char *end)
{
    if (*pp < end && **pp == '-') {
        (*pp)++;
        return 1;
    }
    return 0;
}

/* Time in seconds with at most 3 decimals -> ns. Returns 0 on failure. */
static int read_time(const char **pp, const char *end, int64_t *out)
{
    const char *p = *pp;
    int neg = minus_sign(&p, end);
    const char *d0 = p;
    uint64_t first = 0;
    eights(&p, p + (end - p < 8 ? end - p : 8), &first); /* at most eight digits here: no overflow */
    int64_t sec = (int64_t)first;
    while (p < end && *p >= '0' && *p <= '9' && p - d0 < 11) {
        sec = sec * 10 + (*p - '0');
        p++;
    }
    /* no digit, or past 2262 (where int64 nanoseconds end) */
    if (p == d0 || sec > 9223372035LL || (p < end && *p >= '0' && *p <= '9'))
        return 0;
    int64_t ms = 0;
    if (p < end && *p == '.') {
        p++;
        const char *f0 = p;
        while (p < end && *p >= '0' && *p <= '9' && p - f0 < 3) {
            ms = ms * 10 + (*p - '0');
            p++;
        }
        if (p == f0 || (p < end && *p >= '0' && *p <= '9')) /* no digit, or finer than a millisecond */
            return 0;
        for (ptrdiff_t k = p - f0; k < 3; k++)
            ms *= 10;
    }
    int64_t ns = sec * 1000000000LL + ms * 1000000LL;
    *out = neg ? -ns : ns;
    *pp = p;
    return 1;
}

/* The text between quotes -> double. Returns 0 on failure. */
static int read_value(const char *s, Py_ssize_t n, double *out)
{
    switch (n) {
    case 3:
        if (memcmp(s, "NaN", 3) == 0) { *out = Py_NAN; return 1; }
        if (memcmp(s, "Inf", 3) == 0) { *out = Py_HUGE_VAL; return 1; }
        break;
    case 4:
        if (memcmp(s, "+Inf", 4) == 0) { *out = Py_HUGE_VAL; return 1; }
        if (memcmp(s, "-Inf", 4) == 0) { *out = -Py_HUGE_VAL; return 1; }
        break;
    }
    const char *p = s, *end = s + n;
    int neg = 0;
    if (p < end && (*p == '-' || *p == '+')) {
        neg = (*p == '-');
        p++;
    }
    uint64_t m = 0;
    int digits = 0, any = 0, scale = 0;
    while (p < end && *p >= '0' && *p <= '9') {
        any = 1;
        if (m || *p != '0') {
            if (digits < 19) { m = m * 10 + (uint64_t)(*p - '0'); digits++; }
            else { scale++; if (*p != '0') digits = 99; }
        }
        p++;
    }
    if (p < end && *p == '.') {
        p++;
        while (p < end && *p >= '0' && *p <= '9') {
            any = 1;
            if (m || *p != '0') {
                if (digits < 19) { m = m * 10 + (uint64_t)(*p - '0'); digits++; scale--; }
                else if (*p != '0') digits = 99;
            } else {
                scale--;
            }
            p++;
        }
    }
    if (!any)
        return 0;
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        int eneg = 0, e = 0, edig = 0;
        if (p < end && (*p == '+' || *p == '-')) { eneg = (*p == '-'); p++; }
        while (p < end && *p >= '0' && *p <= '9') {
            if (e < 100000) e = e * 10 + (*p - '0');
            edig++;
            p++;
        }
        if (!edig)
            return 0;
        scale += eneg ? -e : e;
    }
    if (p != end)
        return 0;
    if (m == 0 && digits == 0) {
        *out = neg ? -0.0 : 0.0;
        return 1;
    }
    if (digits <= 19 && m <= TWO53) {
        double d = (double)m;
        if (scale >= 0 && scale <= 22) { *out = neg ? -(d * POW10[scale]) : d * POW10[scale]; return 1; }
        if (scale < 0 && scale >= -22) { *out = neg ? -(d / POW10[-scale]) : d / POW10[-scale]; return 1; }
        if (scale > 22 && scale <= 22 + 15) { /* m * 10^(scale-22) may still be exact */
            uint64_t mm = m;
            int k;
            for (k = 0; k < scale - 22 && mm <= TWO53; k++)
                mm *= 10;
            if (k == scale - 22 && mm <= TWO53) {
                double r = (double)mm * POW10[22];
                *out = neg ? -r : r;
                return 1;
            }
        }
    }
    return 2; /* the general case: Python's parser, once the GIL is back */
}

/* The common shape, -?digits[.digits]" with at most 15 significant digits, read in
 * one pass; sets *q to the closing quote. Returns 0 (nothing written) for anything else. */
static inline int quick_value(const char *p, const char *end, const char **q, double *out)
{
    int neg = minus_sign(&p, end);
    const char *d0 = p;
    uint64_t m = 0;
    eights(&p, end, &m);
    while (p < end && (unsigned)(*p - '0') < 10) {
        m = m * 10 + (uint64_t)(*p - '0');
        p++;
    }
    Py_ssize_t nint = p - d0, nfrac = 0;
    if (p < end && *p == '.') {
        const char *f0 = ++p;
        eights(&p, end, &m);
        while (p < end && (unsigned)(*p - '0') < 10) {
            m = m * 10 + (uint64_t)(*p - '0');
            p++;
        }
        nfrac = p - f0;
        if (nfrac == 0)
            return 0;
    }
    /* at most 15 digits in all (leading zeros included): m < 10^15 < 2^53, exact */
    if (nint == 0 || nint + nfrac > 15 || p >= end || *p != '"')
        return 0;
    double d = (double)m;
    if (nfrac)
        d /= POW10[nfrac];
    *out = neg ? -d : d;
    *q = p;
    return 1;
}

/* A value text left for PyOS_string_to_double. */
typedef struct {
    Py_ssize_t index, start, len;
} Slow;

typedef struct {
    Slow *items;
    Py_ssize_t n, cap;
} SlowList;

static int slow_add(SlowList *l, Py_ssize_t index, Py_ssize_t start, Py_ssize_t len)
{
    if (l->n == l->cap) {
        Py_ssize_t cap = l->cap ? 2 * l->cap : 64;
        Slow *items = PyMem_RawRealloc(l->items, (size_t)cap * sizeof(Slow));
        if (items == NULL)
            return 0;
        l->items = items;
        l->cap = cap;
    }
    l->items[l->n++] = (Slow){index, start, len};
    return 1;
}

enum { SCAN_OK = 0, SCAN_FULL = 1, SCAN_BAD = 2, SCAN_NOMEM = 3 };

/* The values array at base[pos] into ns/y; runs without the GIL. */
static int scan(const char *base, const char *end, Py_ssize_t pos, int64_t *ns, double *y, Py_ssize_t cap,
                Py_ssize_t *count_out, Py_ssize_t *end_out, SlowList *slow)
{
    const char *p = base + pos + 1;
    Py_ssize_t count = 0;
    int status = SCAN_BAD;
    if (p < end && *p == ']') { /* empty array */
        *end_out = p + 1 - base;
        status = SCAN_OK;
        goto out;
    }
    for (;;) {
        if (p >= end || *p != '[')
            goto out;
        p++;
        if (count >= cap) {
            status = SCAN_FULL;
            goto out;
        }
        if (!read_time(&p, end, &ns[count]) || (count > 0 && ns[count] <= ns[count - 1])) /* times must increase */
            goto out;
        if (end - p < 2 || p[0] != ',' || p[1] != '"')
            goto out;
        p += 2;
        const char *q;
        int got = quick_value(p, end, &q, &y[count]);
        if (!got) { /* anything but plain decimals: the full reader */
            q = memchr(p, '"', (size_t)(end - p));
            if (q == NULL)
                goto out;
            got = read_value(p, q - p, &y[count]);
        }
        if (got == 0)
            goto out;
        if (got == 2 && !slow_add(slow, count, p - base, q - p)) {
            status = SCAN_NOMEM;
            goto out;
        }
        p = q + 1;
        if (p >= end || *p != ']')
            goto out;
        p++;
        count++;
        if (p < end && *p == ',') {
            p++;
            continue;
        }
        if (p < end && *p == ']') {
            *end_out = p + 1 - base;
            status = SCAN_OK;
        }
        goto out;
    }
out:
    *count_out = count;
    if (status == SCAN_BAD)
        *end_out = p - base;
    return status;
}

/* Texts the fast path left: Python's correctly rounded parser (needs the GIL). */
static int finish_slow(const char *base, double *y, SlowList *slow)
{
    char buf[128];
    for (Py_ssize_t k = 0; k < slow->n; k++) {
        Slow *it = &slow->items[k];
        if (it->len >= (Py_ssize_t)sizeof(buf))
            return 0;
        memcpy(buf, base + it->start, (size_t)it->len);
        buf[it->len] = '\0';
        char *stop = NULL;
        double r = PyOS_string_to_double(buf, &stop, NULL);
        if (r == -1.0 && PyErr_Occurred()) {
            PyErr_Clear();
            return 0;
        }
        if (stop != buf + it->len)
            return 0;
        y[it->index] = r;
    }
    return 1;
}

/* parse_values(body, pos, ns_out, y_out) -> (count, end)
 *
 * body[pos] must be the '[' that opens the values array. Fills ns_out (int64)
 * and y_out (float64) and returns the number of points and the index just
 * after the array's closing ']'. count is -1 when the buffers are too small.
 */
static PyObject *parse_values(PyObject *self, PyObject *args)
{
    (void)self;
    Py_buffer body, ns_buf, y_buf;
    Py_ssize_t pos;
    if (!PyArg_ParseTuple(args, "y*nw*w*", &body, &pos, &ns_buf, &y_buf))
        return NULL;
    PyObject *result = NULL;
    const char *base = (const char *)body.buf;
    Py_ssize_t cap = ns_buf.len / 8 < y_buf.len / 8 ? ns_buf.len / 8 : y_buf.len / 8;
    Py_ssize_t count = 0, stop = pos;
    SlowList slow = {NULL, 0, 0};
    int status = SCAN_BAD;
    if (pos >= 0 && pos < body.len && base[pos] == '[') {
        Py_BEGIN_ALLOW_THREADS
        status = scan(base, base + body.len, pos, (int64_t *)ns_buf.buf, (double *)y_buf.buf, cap, &count, &stop, &slow);
        Py_END_ALLOW_THREADS
    }
    if (status == SCAN_OK && !finish_slow(base, (double *)y_buf.buf, &slow))
        status = SCAN_BAD;
    if (status == SCAN_OK)
        result = Py_BuildValue("nn", count, stop);
    else if (status == SCAN_FULL)
        result = Py_BuildValue("nn", (Py_ssize_t)-1, stop);
    else if (status == SCAN_NOMEM)
        PyErr_NoMemory();
    else
        PyErr_Format(PyExc_ValueError, "unexpected text in a values array near byte %zd", stop);
    PyMem_RawFree(slow.items);
    PyBuffer_Release(&body);
    PyBuffer_Release(&ns_buf);
    PyBuffer_Release(&y_buf);
    return result;
}

static PyMethodDef methods[] = {
    {"parse_values", parse_values, METH_VARARGS,
     "parse_values(body, pos, ns_out, y_out) -> (count, end): one series' values array into int64 ns and float64 buffers."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_valuesc", "Fast reader of query_range values arrays.", -1, methods, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__valuesc(void) { return PyModule_Create(&module); }
