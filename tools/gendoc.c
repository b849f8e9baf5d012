/*
 * gendoc.c - the syscall reference and the man pages, generated from the
 * table and the headers (`make reference`; `make test` checks that the
 * checked-in copies are current).
 *
 *   gendoc OUTDIR SYSCALLS_DEF HEADER...
 *
 * writes OUTDIR/docs/syscalls.md, OUTDIR/man/man3/rc_prep_<op>.3 (one page
 * per syscall: its prep helper, arguments, errors), OUTDIR/man/man3/<fn>.3
 * for every function declared in the headers, and OUTDIR/man/man7/ringcall.7.
 *
 * Structure comes from the X-macros themselves (this program is compiled
 * against syscalls.def): opcodes, fields, bounds as written and as values,
 * targets, rights, impl. Prose comes from comments: the comment above each
 * RC_ARGS_<op> in syscalls.def, and, for a function in a header, the comment
 * that ends on the line above its declaration (declarations that follow
 * one another with no blank line share it). Errors are derived from the
 * field kinds, plus the op's lines in RC_SYSCALL_ERRORS.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "ringcall/ringcall.h"
#include "ringcall/table.h"

/* ---- the table as written (strings), beside table.h's values ---- */
struct fstr {
	const char *kind, *ctype, *name, *a, *b;
};
struct opstr {
	const char *name, *NAME, *target, *rights, *impl, *summary;
	unsigned num, nfields;
	const struct fstr *fields;
};

#define F_STR(kind, ctype, name, a, b) { #kind, #ctype, #name, #a, #b },
#define RC_SYSCALL(name, NAME, num, target, rights, impl, doc) \
	static const struct fstr fs_##name[] = { RC_ARGS_##name(F_STR) };
#include "ringcall/syscalls.def"
#undef RC_SYSCALL
#define RC_SYSCALL(name, NAME, num, target, rights, impl, doc)                \
	{ #name,    #NAME, #target, #rights,                                  \
	  #impl,    doc,   num,	    sizeof(fs_##name) / sizeof(fs_##name[0]), \
	  fs_##name },
static const struct opstr ops[] = {
#include "ringcall/syscalls.def"
};
#undef RC_SYSCALL
#define NOPS (sizeof(ops) / sizeof(ops[0]))

struct extra_err {
	unsigned op;
	int err;
	const char *name, *when;
};
#define E_ROW(NAME, ERR, when) { RC_OP_##NAME, RC_##ERR, #ERR, when },
static const struct extra_err extra_errs[] = { RC_SYSCALL_ERRORS(E_ROW) };
#define NEXTRA (sizeof(extra_errs) / sizeof(extra_errs[0]))

/* ---- small helpers ---- */
static void die(const char *what)
{
	fprintf(stderr, "gendoc: %s: %s\n", what, strerror(errno));
	exit(1);
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0;

	if (!f)
		die(path);
	if (getdelim(&buf, &len, '\0', f) < 0)
		die(path);
	fclose(f);
	return buf;
}

static FILE *create(const char *dir, const char *sub, const char *name)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, sub);
	for (char *slash = strchr(path + strlen(dir) + 1, '/'); slash;
	     slash = strchr(slash + 1, '/')) {
		*slash = 0; /* each level of sub */
		mkdir(path, 0755);
		*slash = '/';
	}
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%s/%s", dir, sub, name);
	f = fopen(path, "w");
	if (!f)
		die(path);
	return f;
}

static char *lower(const char *s)
{
	static char buf[64];
	size_t i;

	for (i = 0; s[i] && i + 1 < sizeof(buf); i++)
		buf[i] = (char)tolower((unsigned char)s[i]);
	buf[i] = 0;
	return buf;
}

/* A comment's text: markers and leading stars gone, lines joined with
 * '\n', paragraphs (empty comment lines) kept as empty lines. */
static char *comment_text(const char *start, const char *end)
{
	char *out = malloc((size_t)(end - start) + 1), *o = out;
	const char *p = start + 2;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *e = eol ? eol : end;

		while (p < e && (*p == ' ' || *p == '\t'))
			p++;
		if (p < e && *p == '*' && !(p + 1 < e && p[1] == '/'))
			p++;
		if (p < e && *p == ' ')
			p++;
		if (e - p >= 2 && e[-2] == '*' && e[-1] == '/')
			e -= 2;
		while (e > p && e[-1] == ' ')
			e--;
		memcpy(o, p, (size_t)(e - p));
		o += e - p;
		*o++ = '\n';
		p = eol ? eol + 1 : end;
	}
	while (o > out && (o[-1] == '\n' || o[-1] == ' '))
		o--;
	*o = 0;
	while (*out == '\n')
		out++;
	return out;
}

/* Text on one line: newlines become spaces, paragraph breaks too. */
static char *one_line(const char *s)
{
	char *out = strdup(s), *o = out;

	for (; *s; s++) {
		if (*s == '\n') {
			if (o > out && o[-1] != ' ')
				*o++ = ' ';
		} else {
			*o++ = *s;
		}
	}
	*o = 0;
	return out;
}

/* Print text for troff: escapes, and no line may start with a control
 * character; empty lines become paragraph breaks. */
static void troff(FILE *f, const char *s)
{
	int bol = 1;

	for (; *s; s++) {
		if (bol && *s == '\n') {
			fputs(".PP\n", f);
			continue;
		}
		if (bol && (*s == '.' || *s == '\''))
			fputs("\\&", f);
		if (*s == '\\')
			fputs("\\e", f);
		else if (*s == '`')
			continue; /* markdown's code quotes */
		else
			fputc(*s, f);
		bol = *s == '\n';
	}
	if (!bol)
		fputc('\n', f);
}

/* ---- syscalls: descriptions, bounds, errors ---- */

/* The comment above "#define RC_ARGS_<op>(F)" in syscalls.def. */
static char *op_description(const char *def, const char *op)
{
	char key[96];
	const char *at, *end, *start;

	snprintf(key, sizeof(key), "#define RC_ARGS_%s(F)", op);
	at = strstr(def, key);
	if (!at)
		return strdup("");
	end = at;
	while (end > def && isspace((unsigned char)end[-1]))
		end--;
	if (end - def < 2 || end[-1] != '/' || end[-2] != '*')
		return strdup("");
	for (start = end - 2; start > def; start--)
		if (start[0] == '/' && start[1] == '*')
			break;
	return comment_text(start, end);
}

static const char *ctype_short(const struct rc_field_desc *fd)
{
	static const char *u[] = { "", "u8", "u16", "", "u32", "", "", "", "u64" };
	static const char *s[] = { "", "i8", "i16", "", "i32", "", "", "", "i64" };

	return fd->is_signed ? s[fd->size] : u[fd->size];
}

static void value(char *buf, size_t size, const struct rc_field_desc *fd, uint64_t v)
{
	if (fd->is_signed)
		snprintf(buf, size, "%lld",
			 fd->size == 4 ? (long long)(int32_t)v : (long long)(int64_t)v);
	else
		snprintf(buf, size, "%llu", (unsigned long long)v);
}

/* A bound as written, with its value when the text is not the value. */
static void bound(char *buf, size_t size, const char *text, const struct rc_field_desc *fd,
		  uint64_t v, int hex)
{
	char num[32];

	if (hex)
		snprintf(num, sizeof(num), "0x%llx", (unsigned long long)v);
	else
		value(num, sizeof(num), fd, v);
	if (!strcmp(text, num))
		snprintf(buf, size, "%s", num);
	else
		snprintf(buf, size, "%s = %s", text, num);
}

/* What a field may hold, in words. */
static void field_rule(char *buf, size_t size, const struct fstr *fs,
		       const struct rc_field_desc *fd)
{
	char a[96], b[96];

	switch (fd->kind) {
	case RC_FK_INT:
	case RC_FK_LEN:
		bound(a, sizeof(a), fs->a, fd, fd->a, 0);
		bound(b, sizeof(b), fs->b, fd, fd->b, 0);
		snprintf(buf, size, "[%s, %s]", a, b);
		break;
	case RC_FK_ENUM:
		bound(a, sizeof(a), fs->a, fd, fd->a, 0);
		snprintf(buf, size, "below %s", a);
		break;
	case RC_FK_FLAGS:
		bound(a, sizeof(a), fs->a, fd, fd->a, 1);
		snprintf(buf, size, "bits within %s", a);
		break;
	case RC_FK_UIN:
		snprintf(buf, size, "address of a buffer the kernel reads, `%s` bytes",
			 fd->len_field);
		break;
	case RC_FK_UOUT:
		snprintf(buf, size, "address of a buffer the kernel writes, `%s` bytes",
			 fd->len_field);
		break;
	default: snprintf(buf, size, "must be 0");
	}
}

struct errrow {
	int err;
	char text[1024];
};

static void add_err(struct errrow *rows, unsigned *n, int err, const char *text)
{
	for (unsigned i = 0; i < *n; i++)
		if (rows[i].err == err) {
			size_t l = strlen(rows[i].text);

			snprintf(rows[i].text + l, sizeof(rows[i].text) - l, "; %s", text);
			return;
		}
	rows[*n].err = err;
	snprintf(rows[*n].text, sizeof(rows[*n].text), "%s", text);
	(*n)++;
}

static const char *target_words(const struct rc_op_desc *d, char *buf, size_t size)
{
	const char *rights = d->rights == (RC_RIGHT_READ | RC_RIGHT_WRITE)
				     ? " with RC_RIGHT_READ and RC_RIGHT_WRITE"
			     : d->rights == RC_RIGHT_READ  ? " with RC_RIGHT_READ"
			     : d->rights == RC_RIGHT_WRITE ? " with RC_RIGHT_WRITE"
							   : "";
	if (d->rights == RC_RIGHT_SEND)
		rights = " with RC_RIGHT_SEND";
	else if (d->rights == RC_RIGHT_RECV)
		rights = " with RC_RIGHT_RECV";
	else if (d->rights == RC_RIGHT_DUP)
		rights = " with RC_RIGHT_DUP";
	else if (d->rights == RC_RIGHT_TRANSFER)
		rights = " with RC_RIGHT_TRANSFER";
	switch (d->target) {
	case RC_TK_NONE: snprintf(buf, size, "none: `sqe->handle` must be 0"); break;
	case RC_TK_ANY: snprintf(buf, size, "`sqe->handle`: any open handle%s", rights); break;
	case RC_TK_CHANNEL:
		snprintf(buf, size, "`sqe->handle`: an open CHANNEL handle%s", rights);
		break;
	default: snprintf(buf, size, "`sqe->handle`: an open FILE handle%s", rights);
	}
	return buf;
}

static const char *impl_words(unsigned impl)
{
	switch (impl) {
	case RC_IMPL_ENGINE: return "every platform: the engine runs it itself";
	case RC_IMPL_PLATFORM:
		return "every platform, through its handler (the hosted server and the ringcall "
		       "kernel)";
	case RC_IMPL_HOSTED:
		return "the hosted runtime (ringcall-server, in-process rings); the ringcall "
		       "kernel answers -EOPNOTSUPP";
	case RC_IMPL_KERNEL: return "the ringcall kernel; the hosted runtime answers -EOPNOTSUPP";
	case RC_IMPL_IPC:
		return "the engine, on platforms that give it the cross-ring hooks (the hosted "
		       "runtime; the ringcall kernel answers -EOPNOTSUPP for now)";
	default: return "another kernel (impl OTHER): no platform in this tree offers it";
	}
}

static const char *impl_short(unsigned impl)
{
	switch (impl) {
	case RC_IMPL_ENGINE: return "all (engine)";
	case RC_IMPL_PLATFORM: return "all (handler)";
	case RC_IMPL_HOSTED: return "hosted";
	case RC_IMPL_KERNEL: return "kernel";
	case RC_IMPL_IPC: return "engine (IPC hooks)";
	default: return "other";
	}
}

/* Every error op can complete with, in a fixed order: the derived ones,
 * then its own. */
static unsigned op_errors(const struct opstr *o, const struct rc_op_desc *d, struct errrow *rows)
{
	unsigned n = 0;
	char t[512];

	add_err(rows, &n, RC_EINVAL,
		"an unknown RC_SQE_* flag, or a reserved SQE field or argument byte is not 0");
	if (d->target == RC_TK_NONE)
		add_err(rows, &n, RC_EINVAL, "`sqe->handle` is not 0");
	for (unsigned i = 0; i < d->nfields; i++) {
		const struct rc_field_desc *fd = &d->fields[i];
		char rule[256];

		if (fd->kind == RC_FK_UIN || fd->kind == RC_FK_UOUT || fd->kind == RC_FK_RSVD)
			continue;
		field_rule(rule, sizeof(rule), &o->fields[i], fd);
		if (fd->kind == RC_FK_FLAGS && fd->a == 0)
			snprintf(t, sizeof(t), "`%s` is not 0", fd->name);
		else if (fd->kind == RC_FK_FLAGS)
			snprintf(t, sizeof(t), "`%s` has bits outside %s", fd->name, rule + 12);
		else if (fd->kind == RC_FK_ENUM)
			snprintf(t, sizeof(t), "`%s` is not %s", fd->name, rule);
		else
			snprintf(t, sizeof(t), "`%s` is outside %s", fd->name, rule);
		add_err(rows, &n, RC_EINVAL, t);
	}
	for (unsigned i = 0; i < d->nfields; i++) {
		const struct rc_field_desc *fd = &d->fields[i];

		if (fd->kind != RC_FK_UIN && fd->kind != RC_FK_UOUT)
			continue;
		snprintf(t, sizeof(t),
			 "`%s` to `%s` + `%s` is not inside the caller's %smemory, or wraps around",
			 fd->name, fd->name, fd->len_field,
			 fd->kind == RC_FK_UOUT ? "writable " : "");
		add_err(rows, &n, RC_EFAULT, t);
	}
	if (d->target != RC_TK_NONE)
		add_err(rows, &n, RC_EBADF,
			d->rights ? "`sqe->handle` names no open handle of the right type, or it "
				    "lacks the rights"
				  : "`sqe->handle` names no open handle of the right type");
	add_err(rows, &n, RC_EACCES, "RESTRICT left this opcode out of the ring's allow-list");
	if (d->impl != RC_IMPL_ENGINE)
		add_err(rows, &n, RC_EOPNOTSUPP,
			"this platform has no handler for it (PROBE leaves it out)");
	for (unsigned i = 0; i < NEXTRA; i++)
		if (extra_errs[i].op == o->num)
			add_err(rows, &n, extra_errs[i].err, extra_errs[i].when);
	add_err(rows, &n, RC_ECANCELED,
		"an earlier entry of its LINK chain failed, or a CANCEL matched it");
	return n;
}

/* "void rc_prep_read(struct rc_sqe *sqe, uint32_t handle, void *buf, ...)" */
static void prep_proto(char *buf, size_t size, const struct opstr *o, const struct rc_op_desc *d)
{
	size_t l = (size_t)snprintf(buf, size, "void rc_prep_%s(struct rc_sqe *sqe", o->name);

	if (d->target != RC_TK_NONE)
		l += (size_t)snprintf(buf + l, size - l, ", uint32_t handle");
	for (unsigned i = 0; i < d->nfields && l < size; i++) {
		const struct fstr *fs = &o->fields[i];

		switch (d->fields[i].kind) {
		case RC_FK_RSVD: break;
		case RC_FK_UIN:
			l += (size_t)snprintf(buf + l, size - l, ", const void *%s", fs->name);
			break;
		case RC_FK_UOUT:
			l += (size_t)snprintf(buf + l, size - l, ", void *%s", fs->name);
			break;
		default: l += (size_t)snprintf(buf + l, size - l, ", %s %s", fs->ctype, fs->name);
		}
	}
	if (l < size)
		snprintf(buf + l, size - l, ")");
}

static const char *kind_name(unsigned k)
{
	static const char *names[] = { "INT", "ENUM", "FLAGS", "LEN", "UIN", "UOUT", "RSVD" };

	return k < 7 ? names[k] : "?";
}

static unsigned args_bytes(const struct rc_op_desc *d)
{
	const struct rc_field_desc *last = &d->fields[d->nfields - 1];

	return last->offset + last->size;
}

static void md_op(FILE *f, const char *def, const struct opstr *o)
{
	const struct rc_op_desc *d = rc_op_desc(o->num);
	struct errrow rows[16];
	unsigned n = op_errors(o, d, rows);
	char buf[512], *desc = op_description(def, o->name);

	fprintf(f, "## %u %s\n\n%c%s.\n\n", o->num, o->NAME, toupper((unsigned char)o->summary[0]),
		o->summary + 1);
	if (*desc)
		fprintf(f, "%s\n\n", one_line(desc));
	prep_proto(buf, sizeof(buf), o, d);
	fprintf(f, "- Prep helper: `%s` (`rc_prep_%s(3)`)\n", buf, o->name);
	fprintf(f, "- Target: %s\n", target_words(d, buf, sizeof(buf)));
	fprintf(f, "- Implemented by: %s\n", impl_words(d->impl));
	fprintf(f,
		"- Arguments: `struct rc_args_%s`, %u of the %u argument bytes (the rest must be "
		"0)\n\n",
		o->name, args_bytes(d), RC_ARGS_BYTES);
	fprintf(f, "| Offset | Field | Type | Kind | Rule |\n|---:|---|---|---|---|\n");
	for (unsigned i = 0; i < d->nfields; i++) {
		char rule[256];

		field_rule(rule, sizeof(rule), &o->fields[i], &d->fields[i]);
		fprintf(f, "| %u | `%s` | %s | %s | %s |\n", d->fields[i].offset, d->fields[i].name,
			ctype_short(&d->fields[i]), kind_name(d->fields[i].kind), rule);
	}
	fprintf(f, "\nErrors:\n\n| Error | When |\n|---|---|\n");
	for (unsigned i = 0; i < n; i++)
		fprintf(f, "| -%s (%d) | %s |\n", rc_err_name(-rows[i].err), rows[i].err,
			rows[i].text);
	fprintf(f, "\n");
	free(desc);
}

static void write_md(const char *out, const char *def)
{
	FILE *f = create(out, "docs", "syscalls.md");

	fprintf(f,
		"# ringcall system calls\n\n"
		"<!-- Generated by tools/gendoc.c from include/ringcall/syscalls.def: do not "
		"edit;\n"
		"     run `make reference`. -->\n\n"
		"Every syscall in the table (`include/ringcall/syscalls.def`, ABI %u): its "
		"opcode,\n"
		"what it does, the prep helper that fills an SQE for it, the handle it needs,\n"
		"which platforms implement it, its argument struct field by field and every\n"
		"error it can complete with. The engine checks every field before anything\n"
		"runs (decode, then invoke); a rejected entry completes with the error shown\n"
		"and `rc_explain()` names the field and the bound.\n\n"
		"Field kinds: INT (integer within bounds), ENUM (below a count), FLAGS (bits\n"
		"within a mask), LEN (the length of one buffer field, within bounds), UIN and\n"
		"UOUT (the address of a buffer the kernel reads or writes), RSVD (must be 0).\n"
		"Results are `>= 0` on success or a negative errno (Linux numbers, `RC_E*`).\n\n",
		RC_ABI_VERSION);
	fprintf(f, "| Op | Name | Summary | Target | Implemented by |\n|---:|---|---|---|---|\n");
	for (unsigned i = 0; i < NOPS; i++) {
		const struct rc_op_desc *d = rc_op_desc(ops[i].num);

		fprintf(f, "| %u | [%s](#%u-%s) | %s | %s%s | %s |\n", ops[i].num, ops[i].NAME,
			ops[i].num, lower(ops[i].NAME), ops[i].summary,
			d->target == RC_TK_NONE	     ? "none"
			: d->target == RC_TK_ANY     ? "any handle"
			: d->target == RC_TK_CHANNEL ? "CHANNEL"
						     : "FILE",
			d->rights == RC_RIGHT_READ	 ? " (READ)"
			: d->rights == RC_RIGHT_WRITE	 ? " (WRITE)"
			: d->rights == RC_RIGHT_SEND	 ? " (SEND)"
			: d->rights == RC_RIGHT_RECV	 ? " (RECV)"
			: d->rights == RC_RIGHT_DUP	 ? " (DUP)"
			: d->rights == RC_RIGHT_TRANSFER ? " (TRANSFER)"
							 : "",
			impl_short(d->impl));
	}
	fprintf(f, "\n");
	for (unsigned i = 0; i < NOPS; i++)
		md_op(f, def, &ops[i]);
	fclose(f);
}

/* ---- man pages ---- */
static void man_head(FILE *f, const char *name, int section)
{
	char up[128];
	size_t i;

	for (i = 0; name[i] && i + 1 < sizeof(up); i++)
		up[i] = (char)toupper((unsigned char)name[i]);
	up[i] = 0;
	fprintf(f,
		".\\\" Generated by tools/gendoc.c from the ringcall headers: do not edit.\n"
		".TH %s %d \"\" \"ringcall %s\" \"ringcall manual\"\n",
		up, section, RC_VERSION_STRING);
}

static void man_op(const char *out, const char *def, const struct opstr *o)
{
	const struct rc_op_desc *d = rc_op_desc(o->num);
	struct errrow rows[16];
	unsigned n = op_errors(o, d, rows);
	char name[96], buf[512], *desc = op_description(def, o->name);
	FILE *f;

	snprintf(name, sizeof(name), "rc_prep_%s.3", o->name);
	f = create(out, "man/man3", name);
	snprintf(name, sizeof(name), "rc_prep_%s", o->name);
	man_head(f, name, 3);
	fprintf(f, ".SH NAME\nrc_prep_%s \\- %s: %s\n", o->name, o->NAME, o->summary);
	prep_proto(buf, sizeof(buf), o, d);
	fprintf(f, ".SH SYNOPSIS\n.nf\n.B #include <ringcall/ringcall.h>\n.PP\n");
	troff(f, buf);
	fprintf(f, ".PP\nstruct rc_args_%s {   /* opcode RC_OP_%s = %u */\n", o->name, o->NAME,
		o->num);
	for (unsigned i = 0; i < d->nfields; i++)
		fprintf(f, "    %s %s;\n", o->fields[i].ctype, o->fields[i].name);
	fprintf(f, "};\n.fi\n.SH DESCRIPTION\n");
	fprintf(f, "Fills an SQE for the ringcall system call %s (opcode %u): %s.\n", o->NAME,
		o->num, o->summary);
	if (*desc) {
		fprintf(f, ".PP\n");
		troff(f, desc);
	}
	fprintf(f, ".PP\nTarget: ");
	troff(f, target_words(d, buf, sizeof(buf)));
	fprintf(f, ".br\nImplemented by: %s.\n.SH ARGUMENTS\n", impl_words(d->impl));
	for (unsigned i = 0; i < d->nfields; i++) {
		char rule[256];

		field_rule(rule, sizeof(rule), &o->fields[i], &d->fields[i]);
		fprintf(f, ".TP\n.B %s\n%s at offset %u, %s: ", d->fields[i].name,
			ctype_short(&d->fields[i]), d->fields[i].offset,
			kind_name(d->fields[i].kind));
		troff(f, rule);
	}
	fprintf(f, ".SH ERRORS\nThe CQE's res is one of:\n");
	for (unsigned i = 0; i < n; i++) {
		fprintf(f, ".TP\n.B -%s\n", rc_err_name(-rows[i].err));
		troff(f, rows[i].text);
	}
	fprintf(f, ".SH SEE ALSO\n.BR ringcall (7),\n.BR rc_submit (3),\n.BR rc_explain (3)\n");
	fclose(f);
	free(desc);
}

struct func {
	char name[64], header[64], proto[512], *desc;
};

/* The functions a header declares or defines at top level, with the
 * comment above each (shared by a group with no blank line between). */
static unsigned parse_header(const char *path, struct func *fns, unsigned max)
{
	char *text = read_file(path), *p = text, *comment = NULL;
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	unsigned n = 0;

	while (*p) {
		char *eol = strchr(p, '\n');

		if (!eol)
			eol = p + strlen(p);
		if (p[0] == '/' && p[1] == '*') {
			char *end = strstr(p, "*/");

			if (!end)
				break;
			comment = comment_text(p, end + 2);
			p = strchr(end, '\n') ? strchr(end, '\n') + 1 : end + 2;
			continue;
		}
		if (eol == p) {
			comment = NULL; /* a blank line ends a group */
		} else if (isalpha((unsigned char)*p) && strncmp(p, "typedef", 7) &&
			   strncmp(p, "extern", 6) && memchr(p, '(', (size_t)(eol - p)) &&
			   !(memchr(p, '{', (size_t)(eol - p)) &&
			     !memchr(p, ')', (size_t)(eol - p)))) {
			char *paren = strchr(p, '('), *q = paren, *stop;
			struct func *fn = &fns[n];
			size_t l = 0;

			while (q > p && (isalnum((unsigned char)q[-1]) || q[-1] == '_'))
				q--;
			stop = strpbrk(p, ";{");
			if (stop && n < max && (!strncmp(q, "rc_", 3) || !strncmp(q, "rce_", 4))) {
				snprintf(fn->name, sizeof(fn->name), "%.*s", (int)(paren - q), q);
				snprintf(fn->header, sizeof(fn->header), "%s", base);
				for (char *c = p; c < stop && l + 2 < sizeof(fn->proto); c++) {
					if (*c == '\n' || *c == '\t') {
						if (l && fn->proto[l - 1] != ' ')
							fn->proto[l++] = ' ';
					} else {
						fn->proto[l++] = *c;
					}
				}
				while (l && fn->proto[l - 1] == ' ')
					l--;
				fn->proto[l] = 0;
				if (!strncmp(fn->proto, "static inline ", 14))
					memmove(fn->proto, fn->proto + 14,
						strlen(fn->proto + 14) + 1);
				strcat(fn->proto, ";");
				fn->desc = comment ? comment : (char *)"";
				n++;
				eol = strchr(stop, '\n') ? strchr(stop, '\n') : stop + strlen(stop);
				if (*stop == '{') { /* an inline definition: skip its body */
					char *close = strstr(stop, "\n}");

					eol = close ? close + 2 : eol;
				}
			}
		}
		p = *eol ? eol + 1 : eol;
	}
	return n;
}

static int func_cmp(const void *a, const void *b)
{
	return strcmp(((const struct func *)a)->name, ((const struct func *)b)->name);
}

static void man_func(const char *out, const struct func *fn, const struct func *all, unsigned n)
{
	char name[96], *first, *dot;
	FILE *f;

	snprintf(name, sizeof(name), "%s.3", fn->name);
	f = create(out, "man/man3", name);
	man_head(f, fn->name, 3);
	first = one_line(fn->desc);
	dot = strstr(first, ". ");
	if (dot)
		dot[1] = 0;
	fprintf(f, ".SH NAME\n%s \\- ", fn->name);
	troff(f, *first ? first : "see ringcall(7)");
	fprintf(f, ".SH SYNOPSIS\n.nf\n.B #include <ringcall/%s>\n.PP\n", fn->header);
	troff(f, fn->proto);
	fprintf(f, ".fi\n.SH DESCRIPTION\n");
	troff(f, *fn->desc ? fn->desc : "Not described in its header.");
	fprintf(f, ".SH SEE ALSO\n");
	for (unsigned i = 0; i < n; i++)
		if (&all[i] != fn && !strcmp(all[i].header, fn->header) &&
		    all[i].desc == fn->desc && *fn->desc)
			fprintf(f, ".BR %s (3),\n", all[i].name);
	fprintf(f, ".BR ringcall (7)\n");
	fclose(f);
}

static void man_overview(const char *out, const struct func *fns, unsigned n)
{
	FILE *f = create(out, "man/man7", "ringcall.7");

	man_head(f, "ringcall", 7);
	fprintf(f,
		".SH NAME\nringcall \\- system calls through shared-memory rings\n"
		".SH DESCRIPTION\n"
		"A program writes requests (SQEs) into a submission ring and reads results (CQEs)\n"
		"from a completion ring; the kernel side (the engine) validates every argument of\n"
		"every entry against one table before it runs anything. The user library is\n"
		".B libringcall\n"
		"(pkg-config ringcall); on Linux,\n.B libringcall-hosted\n"
		"(pkg-config ringcall-hosted) connects to\n.BR ringcall-server (1)\n"
		"or runs a ring in-process. ABI version %u, library version %s.\n"
		".SH SYSTEM CALLS\nOne page per syscall, named after its prep helper:\n",
		RC_ABI_VERSION, RC_VERSION_STRING);
	for (unsigned i = 0; i < NOPS; i++)
		fprintf(f, ".TP\n.BR rc_prep_%s (3)\n%u %s: %s\n", ops[i].name, ops[i].num,
			ops[i].NAME, ops[i].summary);
	fprintf(f, ".SH FUNCTIONS\n");
	for (unsigned i = 0; i < n; i++)
		fprintf(f, ".BR %s (3)%s\n", fns[i].name, i + 1 < n ? "," : "");
	fprintf(f, ".SH SEE ALSO\n.BR ringcall-server (1);\n"
		   "docs/syscalls.md, docs/abi.md and docs/porting.md in the source tree\n");
	fclose(f);
}

int main(int argc, char **argv)
{
	static struct func fns[512];
	unsigned n = 0;
	char *def;

	if (argc < 3) {
		fprintf(stderr, "usage: gendoc OUTDIR SYSCALLS_DEF HEADER...\n");
		return 2;
	}
	def = read_file(argv[2]);
	mkdir(argv[1], 0755);
	write_md(argv[1], def);
	for (unsigned i = 0; i < NOPS; i++)
		man_op(argv[1], def, &ops[i]);
	for (int i = 3; i < argc; i++)
		n += parse_header(argv[i], fns + n, 512 - n);
	qsort(fns, n, sizeof(fns[0]), func_cmp);
	for (unsigned i = 0; i < n; i++)
		man_func(argv[1], &fns[i], fns, n);
	man_overview(argv[1], fns, n);
	return 0;
}
