/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Display names of uploads and the Content-Disposition that sends them. */

#include <string.h>

#include <criterion/criterion.h>
#include <wavelaunch.h>

static const char *clean(const char *name)
{
	static char out[WVL_FILES_NAME_MAX + 1];
	cr_assert_eq(wvl_files_sanitize_name(out, sizeof(out), name), 0);
	return out;
}

Test(filename, keeps_ordinary_names)
{
	cr_expect_str_eq(clean("Brand deck v2.pdf"), "Brand deck v2.pdf");
	cr_expect_str_eq(clean("caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac.txt"),
			 "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac.txt");
}

Test(filename, drops_unix_and_windows_path_parts)
{
	cr_expect_str_eq(clean("../../etc/passwd"), "passwd");
	cr_expect_str_eq(clean("..\\..\\win.ini"), "win.ini");
	cr_expect_str_eq(clean("C:\\Users\\x\\report.pdf"), "report.pdf");
	cr_expect_str_eq(clean("/"), "file");
	cr_expect_str_eq(clean(".."), "file");
	cr_expect_str_eq(clean("../"), "file");
}

Test(filename, percent_encoding_is_literal)
{
	/* Nothing decodes names, so "%2e%2e%2f" is just text and cannot climb. */
	cr_expect_str_eq(clean("%2e%2e%2f"), "%2e%2e%2f");
	cr_expect_str_eq(clean("%2e%2e%2fetc%2fpasswd"), "%2e%2e%2fetc%2fpasswd");
	cr_expect_str_eq(clean("a.php%00.png"), "a.php%00.png");
}

Test(filename, a_nul_ends_the_name)
{
	/* A C string stops at NUL: "a.php\0.png" arrives as "a.php". */
	const char raw[] = "a.php\0.png";
	cr_expect_str_eq(clean(raw), "a.php");
}

Test(filename, removes_controls_and_line_breaks)
{
	cr_expect_str_eq(clean("evil\r\nSet-Cookie: x.txt"), "evilSet-Cookie_ x.txt");
	cr_expect_str_eq(clean("tab\there\x7f.txt"), "tabhere.txt");
	cr_expect_str_eq(clean("c1\xc2\x85next.txt"), "c1next.txt");
}

Test(filename, removes_bidi_overrides_and_invisible_characters)
{
	/* "invoice<RLO>fdp.exe" displays as "invoiceexe.pdf". */
	cr_expect_str_eq(clean("invoice\xe2\x80\xae" "fdp.exe"), "invoicefdp.exe");
	cr_expect_str_eq(clean("a\xe2\x81\xa6" "b\xe2\x81\xa9" "c.txt"), "abc.txt");
	cr_expect_str_eq(clean("zero\xe2\x80\x8bwidth\xef\xbb\xbf.txt"), "zerowidth.txt");
}

Test(filename, replaces_quotes_and_reserved_punctuation)
{
	cr_expect_str_eq(clean("say \"hi\" <b>|?*:.txt"), "say _hi_ _b_____.txt");
	cr_expect_str_eq(clean("it's.txt"), "it's.txt");
}

Test(filename, replaces_invalid_utf8)
{
	cr_expect_str_eq(clean("bad\xff\xfe.txt"), "bad__.txt");
	cr_expect_str_eq(clean("overlong\xc0\xaf.txt"), "overlong__.txt");
	cr_expect_str_eq(clean("surrogate\xed\xa0\x80.txt"), "surrogate___.txt");
}

Test(filename, prefixes_windows_device_names)
{
	cr_expect_str_eq(clean("CON"), "_CON");
	cr_expect_str_eq(clean("con.txt"), "_con.txt");
	cr_expect_str_eq(clean("LPT1.pdf"), "_LPT1.pdf");
	cr_expect_str_eq(clean("nul .txt"), "_nul .txt");
	cr_expect_str_eq(clean("console.txt"), "console.txt");
	cr_expect_str_eq(clean("COM10.txt"), "COM10.txt");
	/* Windows counts superscript digits too (tests/fuzz/fuzz_filename.c). */
	cr_expect_str_eq(clean("COM\xc2\xb9.txt"), "_COM\xc2\xb9.txt");
	cr_expect_str_eq(clean("lpt\xc2\xb3"), "_lpt\xc2\xb3");
	cr_expect_str_eq(clean("COM\xc2\xbc.txt"), "COM\xc2\xbc.txt");
}

/* Found by tests/fuzz/fuzz_filename.c: shortening judged after trimming
 * left a trailing blank, and could leave a device name. */
Test(filename, a_shortened_name_is_trimmed_and_checked_again)
{
	char name[600];
	memset(name, 'a', 254);
	memcpy(name + 254, " b", 3); /* cut after the blank */
	const char *out = clean(name);
	cr_expect_eq(strlen(out), 254);
	cr_expect_neq(out[strlen(out) - 1], ' ');
	memcpy(name, "CON", 3);
	memset(name + 3, ' ', 300);
	memcpy(name + 303, "x.txt", 6); /* cut to "CON   ...  .txt" */
	out = clean(name);
	cr_expect_eq(out[0], '_', "%s", out);
	cr_expect_leq(strlen(out), WVL_FILES_NAME_MAX);
	memset(name, 'n', 300);
	memcpy(name + 300, ". .pdf", 7);
	out = clean(name);
	cr_expect_leq(strlen(out), WVL_FILES_NAME_MAX);
	cr_expect_str_eq(out + strlen(out) - 4, ".pdf");
}

Test(filename, trims_dots_and_spaces)
{
	cr_expect_str_eq(clean("  .hidden.txt. . "), "hidden.txt");
	cr_expect_str_eq(clean(""), "file");
	cr_expect_str_eq(clean("\xe2\x80\xae"), "file");
}

Test(filename, shortens_long_names_keeping_the_extension)
{
	char name[4097];
	memset(name, 'a', 4092);
	memcpy(name + 4092, ".pdf", 5);
	const char *out = clean(name);
	cr_expect_eq(strlen(out), WVL_FILES_NAME_MAX);
	cr_expect_str_eq(out + WVL_FILES_NAME_MAX - 4, ".pdf");
}

Test(filename, shortens_on_a_character_boundary)
{
	/* 300 three-byte characters: a cut at byte 251 would split one. */
	char name[1000];
	size_t n = 0;
	for (int i = 0; i < 300; i++) {
		memcpy(name + n, "\xe6\x97\xa5", 3);
		n += 3;
	}
	memcpy(name + n, ".txt", 5);
	const char *out = clean(name);
	size_t len = strlen(out);
	cr_expect_leq(len, WVL_FILES_NAME_MAX);
	cr_expect_str_eq(out + len - 4, ".txt");
	cr_expect_eq((len - 4) % 3, 0, "a character was cut in two");
}

Test(filename, refuses_bad_arguments)
{
	char small[16];
	cr_expect_eq(wvl_files_sanitize_name(small, sizeof(small), "x"), WVL_EINVAL);
	char out[WVL_FILES_NAME_MAX + 1];
	cr_expect_eq(wvl_files_sanitize_name(out, sizeof(out), NULL), WVL_EINVAL);
}

Test(content_disposition, ascii_name)
{
	char *v = NULL;
	cr_assert_eq(wvl_files_content_disposition(&v, "report.pdf", 0), 0);
	cr_expect_str_eq(v, "attachment; filename=\"report.pdf\"; filename*=UTF-8''report.pdf");
	wvl_free(v);
}

Test(content_disposition, utf8_quotes_and_spaces)
{
	char *v = NULL;
	cr_assert_eq(wvl_files_content_disposition(&v, "caf\xc3\xa9 \"1\"%.txt", 0), 0);
	cr_expect_str_eq(v, "attachment; filename=\"caf_ _1__.txt\"; "
			    "filename*=UTF-8''caf%C3%A9%20%221%22%25.txt");
	wvl_free(v);
	cr_assert_eq(wvl_files_content_disposition(&v, "a\\b;c.txt", 1), 0);
	cr_expect_str_eq(v, "inline; filename=\"a_b;c.txt\"; filename*=UTF-8''a%5Cb%3Bc.txt");
	wvl_free(v);
}

Test(content_disposition, never_carries_line_breaks)
{
	char *v = NULL;
	cr_assert_eq(wvl_files_content_disposition(&v, "x\r\nSet-Cookie: a=b", 0), 0);
	cr_expect_null(strchr(v, '\r'));
	cr_expect_null(strchr(v, '\n'));
	wvl_free(v);
}

Test(error_http, one_mapping_by_code)
{
	cr_expect_eq(wvl_status_http(WVL_EVALIDATION), 422);
	cr_expect_str_eq(wvl_status_slug(WVL_EVALIDATION), "validation_failed");
	cr_expect_eq(wvl_status_http(WVL_EINVAL), 400);
	cr_expect_eq(wvl_status_http(WVL_EGONE), 410);
	cr_expect_eq(wvl_status_http(WVL_EFORBIDDEN), 403);
}

Test(files_config, scan_settings_are_validated)
{
	wvl_config *cfg = NULL;
	cr_assert_eq(wvl_config_new(&cfg), 0);
	cr_expect_eq(wvl_config_validate(cfg), 0);
	cr_assert_eq(wvl_config_set(cfg, "WL_SCAN_REQUIRED", "yes"), 0);
	cr_expect_eq(wvl_config_validate(cfg), WVL_EINVAL);
	cr_assert_eq(wvl_config_set(cfg, "WL_SCAN_REQUIRED", "true"), 0);
	cr_expect_eq(wvl_config_validate(cfg), 0);
	cr_assert_eq(wvl_config_set(cfg, "WL_CLAMD", "/run/clamd.sock"), 0);
	cr_expect_eq(wvl_config_validate(cfg), WVL_EINVAL);
	cr_expect_not_null(strstr(wvl_error_last()->message, "WL_CLAMD"));
	cr_assert_eq(wvl_config_set(cfg, "WL_CLAMD", "tcp:127.0.0.1:3310"), 0);
	cr_expect_eq(wvl_config_validate(cfg), 0);
	/* A malformed address is refused at start, not found out at the first
	 * upload (which would only be quarantined). */
	char long_path[160] = "unix:/";
	memset(long_path + 6, 'a', 120);
	const char *bad[] = {"tcp:clamd", "tcp::3310", "tcp:clamd:", "tcp:clamd:0", "tcp:clamd:65536",
			     "tcp:clamd:33a", "tcp:clamd:+3310", "tcp:[]:3310", "unix:", long_path};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(wvl_config_set(cfg, "WL_CLAMD", bad[i]), 0);
		cr_expect_eq(wvl_config_validate(cfg), WVL_EINVAL, "%s taken", bad[i]);
		cr_expect_not_null(strstr(wvl_error_last()->message, "WL_CLAMD"));
	}
	const char *good[] = {"tcp:[::1]:3310", "tcp:clamd.internal:1", "tcp:10.0.0.5:65535",
			      "unix:/run/clamav/clamd.ctl"};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		cr_assert_eq(wvl_config_set(cfg, "WL_CLAMD", good[i]), 0);
		cr_expect_eq(wvl_config_validate(cfg), 0, "%s refused", good[i]);
	}
	wvl_config_free(cfg);
}
