/* Unit tests of the daemon's configuration: defaults, flags, the INI file,
 * their precedence, validation messages and --help. */
#ifdef HAVE_CONFIG_H
#include <config.h> /* autoconf's, for PACKAGE_VERSION */
#endif

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "daemon/config.h"
#include "lib/mem.h"

#define MAX_ARGS 64

/* The options every valid command line needs, as argv fragments. */
#define REQUIRED                                                           \
    "--id", "1", "--raft", "127.0.0.1:7001", "--listen", "127.0.0.1:6001", \
        "--data", "/var/lib/sk"

static struct config cfg;
static char errmsg[SK_ERRMSG_SIZE];
static char tmp_path[4096]; /* the INI file of the running test, if any */

static void setup(void)
{
    config_init(&cfg);
    errmsg[0] = '\0';
    tmp_path[0] = '\0';
}

static void teardown(void)
{
    config_close(&cfg);
    if (tmp_path[0] != '\0') {
        unlink(tmp_path);
    }
}

/* Run config_parse() on "scalekeeperd" and @args, up to the first NULL. */
static int parse_args(const char *const *args)
{
    char *argv[MAX_ARGS + 1];
    int argc = 0;
    int rv;

    argv[argc++] = mem_strdup("scalekeeperd");
    for (size_t i = 0; args[i] != NULL; i++) {
        ck_assert_int_lt(argc, MAX_ARGS);
        argv[argc++] = mem_strdup(args[i]);
    }
    argv[argc] = NULL;
    rv = config_parse(&cfg, argc, argv, errmsg);
    for (int i = 0; i < argc; i++) {
        mem_free(argv[i]);
    }
    return rv;
}

/* parse("--id", "1", ...): the arguments end at the first NULL, if any. */
#define parse(...) parse_args((const char *const[]){ __VA_ARGS__, NULL })

/* Write @text to a new temporary file; its name is left in tmp_path and the
 * teardown removes it. */
static const char *write_ini(const char *text)
{
    const char *dir = getenv("TMPDIR");
    size_t len = strlen(text);
    int fd;

    if (dir == NULL || dir[0] == '\0') {
        dir = "/tmp";
    }
    ck_assert_int_eq(tmp_path[0], '\0');
    snprintf(tmp_path, sizeof tmp_path, "%s/sk-config-XXXXXX", dir);
    fd = mkstemp(tmp_path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, text, len), (ssize_t)len);
    close(fd);
    return tmp_path;
}

/* errmsg must be exactly "@tmp_path:@line: @rest". */
static void assert_file_error(int line, const char *rest)
{
    char want[SK_ERRMSG_SIZE + 4096];

    snprintf(want, sizeof want, "%s:%d: %s", tmp_path, line, rest);
    ck_assert_str_eq(errmsg, want);
}

/* Run config_parse() on up to three arguments (the first NULL ends them) with
 * stdout sent to a file; returns what it printed (owned by the caller) and
 * its return code in @rv. */
static char *
capture_stdout(int *rv, const char *arg1, const char *arg2, const char *arg3)
{
    char path[4096];
    const char *dir = getenv("TMPDIR");
    char *out = mem_alloc(65536);
    size_t n;
    int saved;
    int fd;
    FILE *f;

    snprintf(path, sizeof path, "%s/sk-stdout-XXXXXX",
             dir != NULL && dir[0] != '\0' ? dir : "/tmp");
    fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    fflush(stdout);
    saved = dup(STDOUT_FILENO);
    dup2(fd, STDOUT_FILENO);
    *rv = parse(arg1, arg2, arg3);
    fflush(stdout);
    dup2(saved, STDOUT_FILENO);
    close(saved);
    close(fd);
    f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    n = fread(out, 1, 65535, f);
    out[n] = '\0';
    fclose(f);
    unlink(path);
    return out;
}

START_TEST(defaults_are_documented_values)
{
    ck_assert_uint_eq(cfg.id, 0);
    ck_assert_str_eq(cfg.zone, "default");
    ck_assert_ptr_null(cfg.raft_address);
    ck_assert_ptr_null(cfg.raft_bind);
    ck_assert_ptr_null(cfg.listen);
    ck_assert_ptr_null(cfg.data_dir);
    ck_assert_ptr_null(cfg.bootstrap);
    ck_assert_uint_eq(cfg.n_bootstrap, 0);
    ck_assert_str_eq(cfg.log_level, "info");
    ck_assert_uint_eq(cfg.election_timeout_ms, 700);
    ck_assert_uint_eq(cfg.heartbeat_timeout_ms, 50);
    ck_assert_uint_eq(cfg.fast_failover_ms, CONFIG_FAST_FAILOVER_AUTO);
    ck_assert_uint_eq(cfg.snapshot_threshold, 8192);
    ck_assert_uint_eq(cfg.snapshot_trailing, 2048);
    ck_assert_uint_eq(cfg.max_inflight_entries, 256);
    ck_assert_uint_eq(cfg.max_key_bytes, 1024);
    ck_assert_uint_eq(cfg.max_value_bytes, 1048576u);
    ck_assert_uint_eq(cfg.max_argc, 1024);
    ck_assert_uint_eq(cfg.max_inline_bytes, 65536u);
    ck_assert_uint_eq(cfg.max_clients, 10000);
    ck_assert_uint_eq(cfg.max_output_bytes, 67108864u);
    ck_assert_uint_eq(cfg.max_pending, 1024);
    ck_assert_uint_eq(cfg.max_keys_reply, 100000);
    ck_assert_uint_eq(cfg.max_batch_bytes, 4194304u);
    ck_assert_uint_eq(cfg.lease_checkpoint_ms, 5000);
    ck_assert_uint_eq(cfg.watch_history_bytes, 33554432u);
    ck_assert_uint_eq(cfg.watch_progress_ms, 10000);
    ck_assert_str_eq(cfg.notify_keyspace_events, "AKE");
}

END_TEST

START_TEST(coordination_options_are_checked)
{
    ck_assert_int_eq(parse(REQUIRED, "--lease-checkpoint-ms", "100",
                           "--watch-history-bytes", "1048576",
                           "--watch-progress-ms", "600000",
                           "--notify-keyspace-events", ""),
                     CONFIG_OK);
    ck_assert_uint_eq(cfg.lease_checkpoint_ms, 100);
    ck_assert_uint_eq(cfg.watch_history_bytes, 1048576u);
    ck_assert_uint_eq(cfg.watch_progress_ms, 600000);
    ck_assert_str_eq(cfg.notify_keyspace_events, "");
    ck_assert_int_eq(parse(REQUIRED, "--notify-keyspace-events", "KEq"),
                     SK_EINVAL);
    ck_assert_str_eq(errmsg, "option '--notify-keyspace-events' must be Redis "
                             "notify-keyspace-events classes (K E g $ l s h z "
                             "x e t m d n A), not 'KEq'");
    ck_assert_int_eq(parse(REQUIRED, "--watch-history-bytes", "1048575"),
                     SK_EINVAL);
    ck_assert_int_eq(parse(REQUIRED, "--lease-checkpoint-ms", "99"), SK_EINVAL);
}

END_TEST

START_TEST(actuators_are_named_programs)
{
    ck_assert_int_eq(parse(REQUIRED, "--actuator", "ec2=exec:/bin/true",
                           "--actuator", "k8s.pods=exec:/bin/sh",
                           "--local-actuator-dir", "/var/lib/sk/workers",
                           "--local-actuator-boot-ms", "1500",
                           "--actuator-timeout-ms", "100"),
                     CONFIG_OK);
    ck_assert_uint_eq(cfg.n_actuators, 2);
    ck_assert_str_eq(cfg.actuators[0].name, "ec2");
    ck_assert_str_eq(cfg.actuators[0].path, "/bin/true");
    ck_assert_str_eq(cfg.actuators[1].name, "k8s.pods");
    ck_assert_str_eq(cfg.local_actuator_dir, "/var/lib/sk/workers");
    ck_assert_uint_eq(cfg.local_actuator_boot_ms, 1500);
    ck_assert_uint_eq(cfg.actuator_timeout_ms, 100);
    ck_assert_int_eq(parse(REQUIRED, "--actuator", "ec2=/bin/true"), SK_EINVAL);
    ck_assert_str_eq(errmsg, "option '--actuator' must be NAME=exec:PATH, not "
                             "'ec2=/bin/true'");
    ck_assert_int_eq(parse(REQUIRED, "--actuator", "local=exec:/bin/true"),
                     SK_EINVAL);
    ck_assert_str_eq(errmsg, "option '--actuator' 'local' is a built-in "
                             "actuator");
    ck_assert_int_eq(parse(REQUIRED, "--actuator", "a=exec:/bin/true",
                           "--actuator", "a=exec:/bin/sh"),
                     SK_EINVAL);
    ck_assert_int_eq(parse(REQUIRED, "--actuator", "a=exec:bin/true"),
                     SK_EINVAL);
    ck_assert_int_eq(parse(REQUIRED, "--actuator", "a b=exec:/bin/true"),
                     SK_EINVAL);
    ck_assert_int_eq(parse(REQUIRED, "--actuator-timeout-ms", "99"), SK_EINVAL);
    /* In a config file, the key repeats. */
    ck_assert_msg(parse("-c", write_ini("id=1\nraft=127.0.0.1:7001\n"
                                        "listen=127.0.0.1:6001\ndata=d\n"
                                        "actuator=a=exec:/bin/true\n"
                                        "actuator=b=exec:/bin/sh\n")) ==
                      CONFIG_OK,
                  "%s", errmsg);
    ck_assert_uint_eq(cfg.n_actuators, 2);
    ck_assert_str_eq(cfg.actuators[1].path, "/bin/sh");
}

END_TEST

START_TEST(required_flags_alone_keep_defaults)
{
    ck_assert_int_eq(parse(REQUIRED), CONFIG_OK);
    ck_assert_str_eq(errmsg, "");
    ck_assert_uint_eq(cfg.id, 1);
    ck_assert_str_eq(cfg.raft_address, "127.0.0.1:7001");
    ck_assert_str_eq(cfg.listen, "127.0.0.1:6001");
    ck_assert_str_eq(cfg.data_dir, "/var/lib/sk");
    ck_assert_ptr_null(cfg.raft_bind);
    ck_assert_str_eq(cfg.zone, "default");
    ck_assert_uint_eq(cfg.election_timeout_ms, 700);
    ck_assert_uint_eq(cfg.fast_failover_ms, 75);
    ck_assert_uint_eq(cfg.max_batch_bytes, 4194304u);
}

END_TEST

START_TEST(every_flag_sets_its_field)
{
    int rv = parse(
        "--id", "18446744073709551615", "--zone", "rack-2.b_c", "--raft",
        "[::1]:7002", "--raft-bind", "[::]:7002", "--listen", "localhost:6002",
        "--data", "/srv/sk", "--bootstrap",
        "18446744073709551615=[::1]:7002,5=127.0.0.1:7005", "--log-level",
        "debug", "--election-timeout-ms", "600000", "--heartbeat-timeout-ms",
        "10", "--snapshot-threshold", "3", "--snapshot-trailing", "4",
        "--max-inflight-entries", "5", "--max-key-bytes", "6",
        "--max-value-bytes", "7", "--max-argc", "8", "--max-inline-bytes", "9",
        "--max-clients", "10", "--max-output-bytes", "11", "--max-pending",
        "12", "--max-keys-reply", "13", "--max-batch-bytes", "1073741824");

    ck_assert_msg(rv == CONFIG_OK, "%s", errmsg);
    ck_assert_uint_eq(cfg.id, UINT64_MAX);
    ck_assert_str_eq(cfg.zone, "rack-2.b_c");
    ck_assert_str_eq(cfg.raft_address, "[::1]:7002");
    ck_assert_str_eq(cfg.raft_bind, "[::]:7002");
    ck_assert_str_eq(cfg.listen, "localhost:6002");
    ck_assert_str_eq(cfg.data_dir, "/srv/sk");
    ck_assert_uint_eq(cfg.n_bootstrap, 2);
    ck_assert_uint_eq(cfg.bootstrap[0].id, UINT64_MAX);
    ck_assert_str_eq(cfg.bootstrap[0].raft_address, "[::1]:7002");
    ck_assert_uint_eq(cfg.bootstrap[1].id, 5);
    ck_assert_str_eq(cfg.bootstrap[1].raft_address, "127.0.0.1:7005");
    ck_assert_str_eq(cfg.log_level, "debug");
    ck_assert_uint_eq(cfg.election_timeout_ms, 600000);
    ck_assert_uint_eq(cfg.heartbeat_timeout_ms, 10);
    ck_assert_uint_eq(cfg.snapshot_threshold, 3);
    ck_assert_uint_eq(cfg.snapshot_trailing, 4);
    ck_assert_uint_eq(cfg.max_inflight_entries, 5);
    ck_assert_uint_eq(cfg.max_key_bytes, 6);
    ck_assert_uint_eq(cfg.max_value_bytes, 7);
    ck_assert_uint_eq(cfg.max_argc, 8);
    ck_assert_uint_eq(cfg.max_inline_bytes, 9);
    ck_assert_uint_eq(cfg.max_clients, 10);
    ck_assert_uint_eq(cfg.max_output_bytes, 11);
    ck_assert_uint_eq(cfg.max_pending, 12);
    ck_assert_uint_eq(cfg.max_keys_reply, 13);
    ck_assert_uint_eq(cfg.max_batch_bytes, 1073741824u);
}

END_TEST

START_TEST(equals_form_and_last_flag_wins)
{
    ck_assert_int_eq(parse(REQUIRED, "--zone=a", "--max-argc=7", "--zone", "b",
                           "--max-argc", "9", "--id=3"),
                     CONFIG_OK);
    ck_assert_str_eq(cfg.zone, "b");
    ck_assert_uint_eq(cfg.max_argc, 9);
    ck_assert_uint_eq(cfg.id, 3);
}

END_TEST

START_TEST(parse_is_repeatable)
{
    /* getopt_long() keeps global state: an error halfway through one parse,
     * even inside a group of short options, must not confuse the next. */
    ck_assert_int_eq(parse(REQUIRED, "-xV"), SK_EINVAL);
    ck_assert_str_eq(errmsg, "unknown option '-x'");
    config_close(&cfg);
    config_init(&cfg);
    ck_assert_int_eq(parse(REQUIRED, "--max-argc", "x", "--zone", "z"),
                     SK_EINVAL);
    config_close(&cfg);
    config_init(&cfg);
    ck_assert_int_eq(parse("--zone", "first", REQUIRED), CONFIG_OK);
    ck_assert_str_eq(cfg.zone, "first");
    config_close(&cfg);
    config_init(&cfg);
    ck_assert_int_eq(parse(REQUIRED, "--zone", "second"), CONFIG_OK);
    ck_assert_str_eq(cfg.zone, "second");
}

END_TEST

/* Each required option, left out, is named in the error. */
static const struct {
    const char *drop;
    const char *message;
} required_cases[] = {
    { "--id", "missing required option --id" },
    { "--raft", "missing required option --raft" },
    { "--listen", "missing required option --listen" },
    { "--data", "missing required option --data" },
};

START_TEST(missing_required_option_is_named)
{
    const char *all[] = { REQUIRED };
    char *argv[16];
    int argc = 0;

    argv[argc++] = mem_strdup("scalekeeperd");
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i += 2) {
        if (strcmp(all[i], required_cases[_i].drop) != 0) {
            argv[argc++] = mem_strdup(all[i]);
            argv[argc++] = mem_strdup(all[i + 1]);
        }
    }
    argv[argc] = NULL;
    ck_assert_int_eq(config_parse(&cfg, argc, argv, errmsg), SK_EINVAL);
    ck_assert_str_eq(errmsg, required_cases[_i].message);
    for (int i = 0; i < argc; i++) {
        mem_free(argv[i]);
    }
}

END_TEST

/* Bad command lines and the exact message for each. */
static const struct {
    const char *args[3];
    const char *message;
} bad_flag_cases[] = {
    { { "--nope" }, "unknown option '--nope'" },
    { { "--nope=3" }, "unknown option '--nope'" },
    { { "-x" }, "unknown option '-x'" },
    { { "--max" }, "ambiguous option '--max'" },
    { { "--elec", "500" },
      "unknown option '--elec' (did you mean --election-timeout-ms?)" },
    { { "--conf=x.ini" }, "unknown option '--conf' (did you mean --config?)" },
    { { "--help=yes" }, "option '--help' takes no value" },
    { { "--zone" }, "option '--zone' requires a value" },
    { { "-c" }, "option '-c' requires a value" },
    { { "--zone=" }, "option '--zone' needs a value" },
    { { "stray" }, "unexpected argument 'stray'" },
    { { "--", "stray" }, "unexpected argument 'stray'" },
    { { "--zone", "a b" },
      "option '--zone' must be 1-63 letters, digits, '.', '_' or '-', not "
      "'a b'" },
    { { "--zone",
        "0123456789012345678901234567890123456789012345678901234567890123" },
      "option '--zone' must be 1-63 letters, digits, '.', '_' or '-', not "
      "'0123456789012345678901234567890123456789012345678901234567890123'" },
    { { "--log-level", "loud" },
      "option '--log-level' must be error, warn, info or debug, not 'loud'" },
    { { "--data", "" }, "option '--data' needs a value" },
    { { "-c", "/nonexistent/sk.ini" },
      "cannot open config file /nonexistent/sk.ini: No such file or "
      "directory" },
};

START_TEST(bad_flag_is_reported)
{
    const char *const *a = bad_flag_cases[_i].args;

    ck_assert_int_eq(parse(REQUIRED, a[0], a[1], a[2]), SK_EINVAL);
    ck_assert_str_eq(errmsg, bad_flag_cases[_i].message);
}

END_TEST

/* Numbers: decimal digits only, within the option's range. */
static const struct {
    const char *flag;
    const char *value;
    const char *message; /* after "option 'FLAG' " */
} bad_number_cases[] = {
    { "--id", "0", "out of range (at least 1): 0" },
    { "--id", "-1", "must be a decimal number, not '-1'" },
    { "--id", "+1", "must be a decimal number, not '+1'" },
    { "--id", " 1", "must be a decimal number, not ' 1'" },
    { "--id", "1 ", "must be a decimal number, not '1 '" },
    { "--id", "0x10", "must be a decimal number, not '0x10'" },
    { "--id", "12abc", "must be a decimal number, not '12abc'" },
    { "--id", "1e3", "must be a decimal number, not '1e3'" },
    { "--id", "18446744073709551616",
      "out of range (at least 1): 18446744073709551616" },
    { "--id", "99999999999999999999999999",
      "out of range (at least 1): 99999999999999999999999999" },
    { "--election-timeout-ms", "9", "out of range (10-600000): 9" },
    { "--election-timeout-ms", "600001", "out of range (10-600000): 600001" },
    { "--heartbeat-timeout-ms", "0", "out of range (10-600000): 0" },
    { "--heartbeat-timeout-ms", "4294967306",
      "out of range (10-600000): 4294967306" },
    { "--snapshot-threshold", "0", "out of range (1-4294967295): 0" },
    { "--snapshot-trailing", "4294967296",
      "out of range (1-4294967295): 4294967296" },
    { "--max-inflight-entries", "0", "out of range (1-4294967295): 0" },
    { "--max-key-bytes", "0", "out of range (1-1073741824): 0" },
    { "--max-value-bytes", "1.5", "must be a decimal number, not '1.5'" },
    { "--max-argc", "0", "out of range (1-1048576): 0" },
    { "--max-argc", "1048577", "out of range (1-1048576): 1048577" },
    { "--max-inline-bytes", "64k", "must be a decimal number, not '64k'" },
    { "--max-clients", "-5", "must be a decimal number, not '-5'" },
    { "--max-clients", "4294967296",
      "out of range (1-4294967295): 4294967296" },
    { "--max-value-bytes", "1073741825",
      "out of range (1-1073741824): 1073741825" },
    { "--max-output-bytes", "4294967296",
      "out of range (1-1073741824): 4294967296" },
    { "--max-pending", "0", "out of range (1-4294967295): 0" },
    { "--max-keys-reply", "ten", "must be a decimal number, not 'ten'" },
    { "--max-batch-bytes", "18446744073709551615",
      "out of range (1-1073741824): 18446744073709551615" },
};

START_TEST(bad_number_is_rejected)
{
    char want[SK_ERRMSG_SIZE];

    ck_assert_int_eq(
        parse(REQUIRED, bad_number_cases[_i].flag, bad_number_cases[_i].value),
        SK_EINVAL);
    snprintf(want, sizeof want, "option '%s' %s", bad_number_cases[_i].flag,
             bad_number_cases[_i].message);
    ck_assert_str_eq(errmsg, want);
}

END_TEST

START_TEST(range_bounds_are_inclusive)
{
    ck_assert_int_eq(parse(REQUIRED, "--election-timeout-ms", "11",
                           "--heartbeat-timeout-ms", "10"),
                     CONFIG_OK);
    ck_assert_uint_eq(cfg.election_timeout_ms, 11);
    ck_assert_uint_eq(cfg.heartbeat_timeout_ms, 10);
}

END_TEST

/* Not given, the fast failover timeout follows the heartbeat, and turns
 * itself off where it would not be shorter than the election timeout. */
START_TEST(fast_failover_defaults_to_heartbeat_and_a_half)
{
    ck_assert_int_eq(parse(REQUIRED, "--heartbeat-timeout-ms", "200",
                           "--election-timeout-ms", "2000"),
                     CONFIG_OK);
    ck_assert_uint_eq(cfg.fast_failover_ms, 300);
    config_close(&cfg);
    config_init(&cfg);
    ck_assert_int_eq(parse(REQUIRED, "--heartbeat-timeout-ms", "100",
                           "--election-timeout-ms", "150"),
                     CONFIG_OK);
    ck_assert_uint_eq(cfg.fast_failover_ms, 0);
    config_close(&cfg);
    config_init(&cfg);
    ck_assert_int_eq(parse(REQUIRED, "--fast-failover-ms", "0"), CONFIG_OK);
    ck_assert_uint_eq(cfg.fast_failover_ms, 0);
}

END_TEST

START_TEST(fast_failover_must_lie_between_heartbeat_and_election)
{
    ck_assert_int_eq(parse(REQUIRED, "--fast-failover-ms", "50"), SK_EINVAL);
    ck_assert_str_eq(errmsg, "--fast-failover-ms (50) must be more than "
                             "--heartbeat-timeout-ms (50) and less than "
                             "--election-timeout-ms (700), or 0 to turn it "
                             "off");
    config_close(&cfg);
    config_init(&cfg);
    ck_assert_int_eq(parse(REQUIRED, "--fast-failover-ms", "700"), SK_EINVAL);
    config_close(&cfg);
    config_init(&cfg);
    ck_assert_int_eq(parse(REQUIRED, "--fast-failover-ms", "51"), CONFIG_OK);
    ck_assert_uint_eq(cfg.fast_failover_ms, 51);
}

END_TEST

START_TEST(heartbeat_must_be_below_election_timeout)
{
    ck_assert_int_eq(parse(REQUIRED, "--election-timeout-ms", "500",
                           "--heartbeat-timeout-ms", "500"),
                     SK_EINVAL);
    ck_assert_str_eq(errmsg, "--heartbeat-timeout-ms (500) must be less than "
                             "--election-timeout-ms (500)");
}

END_TEST

/* Malformed addresses, for each address option. */
static const char *const bad_addresses[] = {
    "127.0.0.1",
    "127.0.0.1:",
    ":7000",
    "127.0.0.1:0",
    "127.0.0.1:65536",
    "127.0.0.1:99999999",
    "127.0.0.1:-1",
    "127.0.0.1:+7",
    "127.0.0.1:70a",
    "127.0.0.1: 70",
    "1.2.3:7000",
    "256.0.0.1:7000",
    "example.com:80",
    "LOCALHOST:7000",
    "::1:7000",
    "[::1]",
    "[::1]7000",
    "[::1:7000",
    "[]:7000",
    "[127.0.0.1]:7000",
    "[fe80::1%eth0]:7000",
    "a:b:c",
    "",
};

START_TEST(bad_address_is_rejected)
{
    static const char *const flags[] = { "--raft", "--raft-bind", "--listen" };
    char want[SK_ERRMSG_SIZE];
    const char *addr = bad_addresses[_i];
    int port = -1;
    char host[64] = "unchanged";

    ck_assert_int_eq(config_split_address(addr, host, sizeof host, &port),
                     SK_EINVAL);
    ck_assert_str_eq(host, "unchanged");
    ck_assert_int_eq(port, -1);
    for (size_t f = 0; f < 3; f++) {
        config_close(&cfg);
        config_init(&cfg);
        ck_assert_int_eq(parse(REQUIRED, flags[f], addr), SK_EINVAL);
        if (addr[0] == '\0') {
            snprintf(want, sizeof want, "option '%s' needs a value", flags[f]);
        } else {
            snprintf(want, sizeof want,
                     "option '%s' must be HOST:PORT (an IPv4 address, "
                     "localhost or [IPv6], and a port 1-65535), not '%s'",
                     flags[f], addr);
        }
        ck_assert_str_eq(errmsg, want);
    }
}

END_TEST

static const struct {
    const char *addr;
    const char *host;
    int port;
} good_addresses[] = {
    { "127.0.0.1:7000", "127.0.0.1", 7000 },
    { "0.0.0.0:1", "0.0.0.0", 1 },
    { "10.1.2.3:65535", "10.1.2.3", 65535 },
    { "localhost:6379", "localhost", 6379 },
    { "[::1]:7000", "::1", 7000 },
    { "[::]:80", "::", 80 },
    { "[fe80::1:2:3]:443", "fe80::1:2:3", 443 },
    { "[::ffff:127.0.0.1]:9", "::ffff:127.0.0.1", 9 },
    { "[2001:db8:0:0:0:0:0:1]:12345", "2001:db8:0:0:0:0:0:1", 12345 },
};

START_TEST(split_address_accepts_good_forms)
{
    char host[64];
    int port = 0;

    ck_assert_int_eq(
        config_split_address(good_addresses[_i].addr, host, sizeof host, &port),
        0);
    ck_assert_str_eq(host, good_addresses[_i].host);
    ck_assert_int_eq(port, good_addresses[_i].port);
}

END_TEST

START_TEST(split_address_checks_host_buffer_size)
{
    char host[4];
    int port = 0;

    /* "::1" and its NUL fit in 4 bytes; "127.0.0.1" does not. */
    ck_assert_int_eq(config_split_address("[::1]:7000", host, 4, &port), 0);
    ck_assert_str_eq(host, "::1");
    ck_assert_int_eq(port, 7000);
    ck_assert_int_eq(config_split_address("[::1]:7000", host, 3, &port),
                     SK_EINVAL);
    ck_assert_int_eq(
        config_split_address("127.0.0.1:7000", host, sizeof host, &port),
        SK_EINVAL);
    ck_assert_int_eq(config_split_address(NULL, host, sizeof host, &port),
                     SK_EINVAL);
}

END_TEST

START_TEST(raft_address_must_be_reachable)
{
    ck_assert_int_eq(parse(REQUIRED, "--raft", "0.0.0.0:7001"), SK_EINVAL);
    ck_assert_str_eq(errmsg, "--raft 0.0.0.0:7001 is not an address other "
                             "nodes can reach; bind to it with --raft-bind "
                             "instead");
    config_close(&cfg);
    config_init(&cfg);
    ck_assert_int_eq(parse(REQUIRED, "--raft", "[::]:7001"), SK_EINVAL);
    config_close(&cfg);
    config_init(&cfg);
    ck_assert_int_eq(parse(REQUIRED, "--raft-bind", "0.0.0.0:7001"), CONFIG_OK);
    ck_assert_str_eq(cfg.raft_bind, "0.0.0.0:7001");
}

END_TEST

START_TEST(listen_must_differ_from_raft)
{
    ck_assert_int_eq(parse(REQUIRED, "--listen", "127.0.0.1:7001"), SK_EINVAL);
    ck_assert_str_eq(errmsg,
                     "--listen and the Raft address are both 127.0.0.1:7001");
    config_close(&cfg);
    config_init(&cfg);
    ck_assert_int_eq(
        parse(REQUIRED, "--raft-bind", "[::1]:9", "--listen", "[0:0::1]:9"),
        SK_EINVAL);
    ck_assert_str_eq(errmsg,
                     "--listen and the Raft address are both [0:0::1]:9");
}

END_TEST

/* A wildcard --listen cannot be published: other nodes could not forward to
 * it, so it needs --advertise-client, which must itself be reachable. */
START_TEST(wildcard_listen_needs_advertise_client)
{
    ck_assert_int_eq(parse(REQUIRED, "--listen", "0.0.0.0:7001"), SK_EINVAL);
    ck_assert_str_eq(errmsg, "--listen 0.0.0.0:7001 needs --advertise-client: "
                             "the address other nodes forward requests to");
    config_close(&cfg);
    config_init(&cfg);
    ck_assert_int_eq(parse(REQUIRED, "--listen", "0.0.0.0:7001",
                           "--advertise-client", "[::]:7001"),
                     SK_EINVAL);
    config_close(&cfg);
    config_init(&cfg);
    ck_assert_int_eq(parse(REQUIRED, "--listen", "0.0.0.0:7001",
                           "--advertise-client", "10.0.0.5:7001"),
                     CONFIG_OK);
    ck_assert_str_eq(config_client_address(&cfg), "10.0.0.5:7001");
    config_close(&cfg);
    config_init(&cfg);
    ck_assert_int_eq(parse(REQUIRED), CONFIG_OK);
    ck_assert_str_eq(config_client_address(&cfg), cfg.listen);
}

END_TEST

/* Addresses the node binds and dials resolve to the right socket address. */
START_TEST(sockaddr_resolves_addresses)
{
    struct sockaddr_storage sa;
    struct sockaddr_in *in4 = (struct sockaddr_in *)&sa;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&sa;

    ck_assert_int_eq(config_sockaddr("10.1.2.3:7001", &sa), 0);
    ck_assert_int_eq(sa.ss_family, AF_INET);
    ck_assert_uint_eq(ntohs(in4->sin_port), 7001);
    ck_assert_uint_eq(ntohl(in4->sin_addr.s_addr), 0x0a010203);
    ck_assert_int_eq(config_sockaddr("localhost:9", &sa), 0);
    ck_assert_uint_eq(ntohl(in4->sin_addr.s_addr), 0x7f000001);
    ck_assert_int_eq(config_sockaddr("[::1]:7002", &sa), 0);
    ck_assert_int_eq(sa.ss_family, AF_INET6);
    ck_assert_uint_eq(ntohs(in6->sin6_port), 7002);
    ck_assert(IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr));
    ck_assert_int_eq(config_sockaddr("example.org:80", &sa), SK_EINVAL);
    ck_assert_int_eq(config_sockaddr("10.1.2.3", &sa), SK_EINVAL);
}

END_TEST

START_TEST(bootstrap_good_list)
{
    const char *list =
        "1=127.0.0.1:7001, 2 = 127.0.0.1:7002 ,3=[::1]:7003,10=localhost:7010";

    ck_assert_int_eq(parse(REQUIRED, "--bootstrap", list), CONFIG_OK);
    ck_assert_uint_eq(cfg.n_bootstrap, 4);
    ck_assert_uint_eq(cfg.bootstrap[0].id, 1);
    ck_assert_str_eq(cfg.bootstrap[0].raft_address, "127.0.0.1:7001");
    ck_assert_uint_eq(cfg.bootstrap[1].id, 2);
    ck_assert_str_eq(cfg.bootstrap[1].raft_address, "127.0.0.1:7002");
    ck_assert_uint_eq(cfg.bootstrap[2].id, 3);
    ck_assert_str_eq(cfg.bootstrap[2].raft_address, "[::1]:7003");
    ck_assert_uint_eq(cfg.bootstrap[3].id, 10);
    ck_assert_str_eq(cfg.bootstrap[3].raft_address, "localhost:7010");
}

END_TEST

START_TEST(bootstrap_of_one_node_and_replacement)
{
    ck_assert_int_eq(parse(REQUIRED, "--bootstrap", "2=127.0.0.1:7002",
                           "--bootstrap", "1=127.0.0.1:7001"),
                     CONFIG_OK);
    ck_assert_uint_eq(cfg.n_bootstrap, 1);
    ck_assert_uint_eq(cfg.bootstrap[0].id, 1);
    ck_assert_str_eq(cfg.bootstrap[0].raft_address, "127.0.0.1:7001");
}

END_TEST

static const struct {
    const char *list;
    const char *message;
} bad_bootstrap_cases[] = {
    { "1=127.0.0.1:7001,1=127.0.0.1:7002",
      "option '--bootstrap' lists node id 1 twice" },
    { "1=127.0.0.1:7001,2=127.0.0.1:7002,3=127.0.0.1:7003,2=127.0.0.1:7004",
      "option '--bootstrap' lists node id 2 twice" },
    { "1=127.0.0.1:7001,2=127.0.0.1:7001",
      "option '--bootstrap' lists address 127.0.0.1:7001 twice" },
    { "2=127.0.0.1:7002,3=127.0.0.1:7003",
      "--bootstrap must list this node: add 1=127.0.0.1:7001 (its --id and "
      "--raft address)" },
    { "1=127.0.0.1:7009,2=127.0.0.1:7002",
      "--bootstrap lists this node (id 1) at 127.0.0.1:7009 but --raft is "
      "127.0.0.1:7001; they must be the same" },
    { "1=localhost:7001",
      "--bootstrap lists this node (id 1) at localhost:7001 but --raft is "
      "127.0.0.1:7001; they must be the same" },
    { "1=127.0.0.1:7001,2=0.0.0.0:7002",
      "--bootstrap node 2 at 0.0.0.0:7002 is not an address other nodes can "
      "reach" },
    { "1", "option '--bootstrap' entry '1' is not ID=HOST:PORT" },
    { "127.0.0.1:7001",
      "option '--bootstrap' entry '127.0.0.1:7001' is not ID=HOST:PORT" },
    { "1=", "option '--bootstrap' entry '1=' needs an address HOST:PORT "
            "after '='" },
    { "1=127.0.0.1", "option '--bootstrap' entry '1=127.0.0.1' needs an "
                     "address HOST:PORT after '='" },
    { "=127.0.0.1:7001", "option '--bootstrap' entry '=127.0.0.1:7001' "
                         "needs a node id >= 1 before '='" },
    { "0=127.0.0.1:7001", "option '--bootstrap' entry '0=127.0.0.1:7001' "
                          "needs a node id >= 1 before '='" },
    { "x=127.0.0.1:7001", "option '--bootstrap' entry 'x=127.0.0.1:7001' "
                          "needs a node id >= 1 before '='" },
    { "-1=127.0.0.1:7001", "option '--bootstrap' entry '-1=127.0.0.1:7001' "
                           "needs a node id >= 1 before '='" },
    { "18446744073709551616=127.0.0.1:7001",
      "option '--bootstrap' entry '18446744073709551616=127.0.0.1:7001' "
      "needs a node id >= 1 before '='" },
    { "1=127.0.0.1:7001=2", "option '--bootstrap' entry "
                            "'1=127.0.0.1:7001=2' needs an address "
                            "HOST:PORT after '='" },
    { "1=127.0.0.1:7001,", "option '--bootstrap' has an empty entry (a "
                           "stray ',')" },
    { ",1=127.0.0.1:7001", "option '--bootstrap' has an empty entry (a "
                           "stray ',')" },
    { "1=127.0.0.1:7001,,2=127.0.0.1:7002",
      "option '--bootstrap' has an empty entry (a stray ',')" },
    { "1=127.0.0.1:7001;2=127.0.0.1:7002",
      "option '--bootstrap' entry '1=127.0.0.1:7001;2=127.0.0.1:7002' needs "
      "an address HOST:PORT after '='" },
};

START_TEST(bad_bootstrap_is_rejected)
{
    ck_assert_int_eq(
        parse(REQUIRED, "--bootstrap", bad_bootstrap_cases[_i].list),
        SK_EINVAL);
    ck_assert_str_eq(errmsg, bad_bootstrap_cases[_i].message);
}

END_TEST

START_TEST(bootstrap_matches_ipv6_self_by_value)
{
    ck_assert_int_eq(parse(REQUIRED, "--raft", "[::1]:7001", "--bootstrap",
                           "1=[0:0:0:0:0:0:0:1]:7001"),
                     CONFIG_OK);
    ck_assert_uint_eq(cfg.n_bootstrap, 1);
}

END_TEST

static const char full_ini[] =
    "; every option, with both spellings of the names\n"
    "# another comment style\n"
    "[scalekeeperd]\n"
    "id = 7\n"
    "zone = eu-1a\n"
    "raft = 127.0.0.1:7007\n"
    "raft_bind = 0.0.0.0:7007\n"
    "listen = [::1]:6007\n"
    "data = /srv/sk7 ; a trailing comment\n"
    "bootstrap = 7=127.0.0.1:7007,8=127.0.0.1:7008\n"
    "log_level = warn\n"
    "\n"
    "election-timeout-ms = 2000\n"
    "heartbeat_timeout_ms = 200\n"
    "snapshot-threshold = 11\n"
    "snapshot_trailing = 12\n"
    "max-inflight-entries = 13\n"
    "max_key_bytes = 14\n"
    "max-value-bytes = 15\n"
    "max_argc = 16\n"
    "max-inline-bytes = 17\n"
    "max_clients = 18\n"
    "max-output-bytes = 19\n"
    "max_pending = 20\n"
    "max-keys-reply = 21\n"
    "max_batch_bytes = 22\n";

START_TEST(ini_file_sets_every_option)
{
    int rv = parse("-c", write_ini(full_ini));

    ck_assert_msg(rv == CONFIG_OK, "%s", errmsg);
    ck_assert_uint_eq(cfg.id, 7);
    ck_assert_str_eq(cfg.zone, "eu-1a");
    ck_assert_str_eq(cfg.raft_address, "127.0.0.1:7007");
    ck_assert_str_eq(cfg.raft_bind, "0.0.0.0:7007");
    ck_assert_str_eq(cfg.listen, "[::1]:6007");
    ck_assert_str_eq(cfg.data_dir, "/srv/sk7");
    ck_assert_uint_eq(cfg.n_bootstrap, 2);
    ck_assert_uint_eq(cfg.bootstrap[1].id, 8);
    ck_assert_str_eq(cfg.bootstrap[1].raft_address, "127.0.0.1:7008");
    ck_assert_str_eq(cfg.log_level, "warn");
    ck_assert_uint_eq(cfg.election_timeout_ms, 2000);
    ck_assert_uint_eq(cfg.heartbeat_timeout_ms, 200);
    ck_assert_uint_eq(cfg.snapshot_threshold, 11);
    ck_assert_uint_eq(cfg.snapshot_trailing, 12);
    ck_assert_uint_eq(cfg.max_inflight_entries, 13);
    ck_assert_uint_eq(cfg.max_key_bytes, 14);
    ck_assert_uint_eq(cfg.max_value_bytes, 15);
    ck_assert_uint_eq(cfg.max_argc, 16);
    ck_assert_uint_eq(cfg.max_inline_bytes, 17);
    ck_assert_uint_eq(cfg.max_clients, 18);
    ck_assert_uint_eq(cfg.max_output_bytes, 19);
    ck_assert_uint_eq(cfg.max_pending, 20);
    ck_assert_uint_eq(cfg.max_keys_reply, 21);
    ck_assert_uint_eq(cfg.max_batch_bytes, 22);
}

END_TEST

START_TEST(ini_file_without_section_and_crlf)
{
    int rv =
        parse("--config", write_ini("id=2\r\nraft=127.0.0.1:7002\r\n"
                                    "listen=127.0.0.1:6002\r\ndata=d2\r\n"
                                    "max-argc = 5")); /* no final newline */

    ck_assert_msg(rv == CONFIG_OK, "%s", errmsg);
    ck_assert_uint_eq(cfg.id, 2);
    ck_assert_str_eq(cfg.data_dir, "d2");
    ck_assert_uint_eq(cfg.max_argc, 5);
}

END_TEST

START_TEST(flags_override_file_in_any_order)
{
    const char *path = write_ini("id = 7\nzone = file\nraft = "
                                 "127.0.0.1:7007\nlisten = 127.0.0.1:6007\n"
                                 "data = /file\nmax-argc = 33\n");

    /* -c after the flags: the flags still win. */
    ck_assert_int_eq(parse("--zone", "flag", "--id", "9", "--raft",
                           "127.0.0.1:7009", "-c", path),
                     CONFIG_OK);
    ck_assert_str_eq(cfg.zone, "flag");
    ck_assert_uint_eq(cfg.id, 9);
    ck_assert_str_eq(cfg.raft_address, "127.0.0.1:7009");
    ck_assert_str_eq(cfg.data_dir, "/file");  /* from the file */
    ck_assert_uint_eq(cfg.max_argc, 33);      /* from the file */
    ck_assert_uint_eq(cfg.max_pending, 1024); /* default */

    /* -c before the flags. */
    config_close(&cfg);
    config_init(&cfg);
    ck_assert_int_eq(parse("-c", path, "--zone", "flag", "--max-argc", "44"),
                     CONFIG_OK);
    ck_assert_str_eq(cfg.zone, "flag");
    ck_assert_uint_eq(cfg.max_argc, 44);
    ck_assert_uint_eq(cfg.id, 7);
}

END_TEST

START_TEST(flag_can_fix_an_incomplete_file)
{
    /* Required options may come partly from the file, partly from flags; a
     * file's bootstrap list is checked against the final --id and --raft. */
    const char *path =
        write_ini("[scalekeeperd]\ndata = /d\nlisten = 127.0.0.1:6000\n"
                  "bootstrap = 1=127.0.0.1:7001,2=127.0.0.1:7002\n");

    ck_assert_int_eq(
        parse("--id", "2", "--raft", "127.0.0.1:7002", "--config="),
        SK_EINVAL); /* "--config=" names no file */
    ck_assert_str_eq(errmsg, "option '--config' needs a value");
    config_close(&cfg);
    config_init(&cfg);
    ck_assert_int_eq(parse("--id", "2", "--raft", "127.0.0.1:7002", "-c", path),
                     CONFIG_OK);
    ck_assert_uint_eq(cfg.n_bootstrap, 2);
}

END_TEST

/* Bad INI files and the exact message for each, after "FILE:LINE: ". */
static const struct {
    const char *text;
    int line;
    const char *message;
} bad_ini_cases[] = {
    { "id = 1\nbogus = 3\n", 2, "unknown option 'bogus'" },
    { "[scalekeeperd]\n\n; comment\nlisten_addr = x\n", 4,
      "unknown option 'listen_addr'" },
    { "config = other.ini\n", 1, "unknown option 'config'" },
    { "help = 1\n", 1, "unknown option 'help'" },
    { "--id = 1\n", 1, "unknown option '--id'" },
    { "ID = 1\n", 1, "unknown option 'ID'" },
    { "[server]\nid = 1\n", 2,
      "unknown section [server] (use [scalekeeperd] or none)" },
    { "id = 1\n[scalekeeperd]\nzone = a\n[other]\nzone = b\n", 5,
      "unknown section [other] (use [scalekeeperd] or none)" },
    { "id = 1\njust words\n", 2,
      "syntax error (expected 'name = value' or '[section]')" },
    { "[scalekeeperd\nid = 1\n", 1,
      "syntax error (expected 'name = value' or '[section]')" },
    { "bogus = 1\nalso bad\n", 1, "unknown option 'bogus'" },
    { "also bad\nbogus = 1\n", 1,
      "syntax error (expected 'name = value' or '[section]')" },
    { "id = 1\n\nelection-timeout-ms = 5\n", 3,
      "option 'election-timeout-ms' out of range (10-600000): 5" },
    { "max_argc = 12abc\n", 1,
      "option 'max_argc' must be a decimal number, not '12abc'" },
    { "raft = 127.0.0.1\n", 1,
      "option 'raft' must be HOST:PORT (an IPv4 address, localhost or "
      "[IPv6], and a port 1-65535), not '127.0.0.1'" },
    { "zone =\n", 1, "option 'zone' needs a value" },
    { "bootstrap = 1=127.0.0.1:1,1=127.0.0.1:2\n", 1,
      "option 'bootstrap' lists node id 1 twice" },
};

START_TEST(bad_ini_is_reported_with_line)
{
    ck_assert_int_eq(parse(REQUIRED, "-c", write_ini(bad_ini_cases[_i].text)),
                     SK_EINVAL);
    assert_file_error(bad_ini_cases[_i].line, bad_ini_cases[_i].message);
}

END_TEST

/* A file of "id = 1", "data = /ddd...d" (@line_len characters in all) and
 * "zone = z", each line ending with @eol. */
static const char *write_long_line_ini(size_t line_len, const char *eol)
{
    static char text[1024];
    char *p = text;

    p += sprintf(p, "id = 1%sdata = /", eol);
    memset(p, 'd', line_len - strlen("data = /"));
    p += line_len - strlen("data = /");
    sprintf(p, "%szone = z%s", eol, eol);
    return write_ini(text);
}

/* inih holds 199 characters of a line; longer ones are refused rather than
 * split in two. _i: 0 for LF, 1 for CRLF line endings. */
START_TEST(ini_line_too_long_is_an_error)
{
    const char *eol = _i == 0 ? "\n" : "\r\n";

    ck_assert_int_eq(parse(REQUIRED, "-c", write_long_line_ini(200, eol)),
                     SK_EINVAL);
    assert_file_error(2, "line too long");
    unlink(tmp_path);
    tmp_path[0] = '\0';
    config_close(&cfg);
    config_init(&cfg);
    ck_assert_int_eq(parse(REQUIRED, "-c", write_long_line_ini(500, eol)),
                     SK_EINVAL);
    assert_file_error(2, "line too long");
}

END_TEST

START_TEST(ini_longest_line_is_accepted)
{
    const char *eol = _i == 0 ? "\n" : "\r\n";

    ck_assert_int_eq(parse("-c", write_long_line_ini(199, eol), "--raft",
                           "127.0.0.1:1", "--listen", "127.0.0.1:2"),
                     CONFIG_OK);
    ck_assert_uint_eq(strlen(cfg.data_dir), 199 - strlen("data = "));
    ck_assert_str_eq(cfg.zone, "z");
}

END_TEST

START_TEST(help_lists_every_option_in_80_columns)
{
    static const char *const names[] = {
        "--id N",
        "--zone NAME",
        "--raft HOST:PORT",
        "--raft-bind HOST:PORT",
        "--listen HOST:PORT",
        "--data DIR",
        "--bootstrap LIST",
        "--log-level LEVEL",
        "--election-timeout-ms MS",
        "--heartbeat-timeout-ms MS",
        "--snapshot-threshold N",
        "--snapshot-trailing N",
        "--max-inflight-entries N",
        "--max-key-bytes N",
        "--max-value-bytes N",
        "--max-argc N",
        "--max-inline-bytes N",
        "--max-clients N",
        "--max-output-bytes N",
        "--max-pending N",
        "--max-keys-reply N",
        "--max-batch-bytes N",
        "--fast-failover-ms MS",
        "-c, --config FILE",
        "-h, --help",
        "-V, --version",
    };
    int rv;
    char *out = capture_stdout(&rv, "--help", NULL, NULL);
    char want[128];

    ck_assert_int_eq(rv, CONFIG_EXIT);
    ck_assert_ptr_nonnull(strstr(out, "Usage: scalekeeperd "));
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(want, sizeof want, "\n  %s ", names[i]);
        ck_assert_msg(strstr(out, want) != NULL, "no '%s' in --help", names[i]);
    }
    ck_assert_ptr_nonnull(strstr(out, "(default: 700)"));
    ck_assert_ptr_nonnull(strstr(out, "(default: 1.5 x heartbeat)"));
    ck_assert_ptr_nonnull(strstr(out, "(default: 1048576 = 1 MiB)"));
    ck_assert_ptr_nonnull(strstr(out, "(default: info)"));
    for (const char *line = out; *line != '\0';) {
        size_t len = strcspn(line, "\n");
        ck_assert_msg(len < 80, "line over 79 columns: %.*s", (int)len, line);
        line += len + (line[len] == '\n');
    }
    mem_free(out);
}

END_TEST

START_TEST(help_works_even_with_a_broken_file)
{
    int rv;
    char *out = capture_stdout(&rv, "-c", "/nonexistent.ini", "-h");

    ck_assert_int_eq(rv, CONFIG_EXIT);
    ck_assert_ptr_nonnull(strstr(out, "--max-batch-bytes"));
    mem_free(out);
}

END_TEST

START_TEST(version_prints_package_version)
{
    int rv;
    char *out = capture_stdout(&rv, "--version", NULL, NULL);

    ck_assert_int_eq(rv, CONFIG_EXIT);
    ck_assert_str_eq(out, "scalekeeperd " PACKAGE_VERSION "\n");
    mem_free(out);
    out = capture_stdout(&rv, "-V", NULL, NULL);
    ck_assert_int_eq(rv, CONFIG_EXIT);
    ck_assert_str_eq(out, "scalekeeperd " PACKAGE_VERSION "\n");
    mem_free(out);
}

END_TEST

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static Suite *config_suite(void)
{
    Suite *s = suite_create("config");
    TCase *tc = tcase_create("flags");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, defaults_are_documented_values);
    tcase_add_test(tc, coordination_options_are_checked);
    tcase_add_test(tc, actuators_are_named_programs);
    tcase_add_test(tc, required_flags_alone_keep_defaults);
    tcase_add_test(tc, every_flag_sets_its_field);
    tcase_add_test(tc, equals_form_and_last_flag_wins);
    tcase_add_test(tc, parse_is_repeatable);
    tcase_add_loop_test(tc, missing_required_option_is_named, 0,
                        N(required_cases));
    tcase_add_loop_test(tc, bad_flag_is_reported, 0, N(bad_flag_cases));
    tcase_add_loop_test(tc, bad_number_is_rejected, 0, N(bad_number_cases));
    tcase_add_test(tc, range_bounds_are_inclusive);
    tcase_add_test(tc, heartbeat_must_be_below_election_timeout);
    tcase_add_test(tc, fast_failover_defaults_to_heartbeat_and_a_half);
    tcase_add_test(tc, fast_failover_must_lie_between_heartbeat_and_election);
    tcase_add_test(tc, help_lists_every_option_in_80_columns);
    tcase_add_test(tc, help_works_even_with_a_broken_file);
    tcase_add_test(tc, version_prints_package_version);
    suite_add_tcase(s, tc);

    tc = tcase_create("addresses");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, bad_address_is_rejected, 0, N(bad_addresses));
    tcase_add_loop_test(tc, split_address_accepts_good_forms, 0,
                        N(good_addresses));
    tcase_add_test(tc, split_address_checks_host_buffer_size);
    tcase_add_test(tc, raft_address_must_be_reachable);
    tcase_add_test(tc, listen_must_differ_from_raft);
    tcase_add_test(tc, wildcard_listen_needs_advertise_client);
    tcase_add_test(tc, sockaddr_resolves_addresses);
    suite_add_tcase(s, tc);

    tc = tcase_create("bootstrap");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, bootstrap_good_list);
    tcase_add_test(tc, bootstrap_of_one_node_and_replacement);
    tcase_add_loop_test(tc, bad_bootstrap_is_rejected, 0,
                        N(bad_bootstrap_cases));
    tcase_add_test(tc, bootstrap_matches_ipv6_self_by_value);
    suite_add_tcase(s, tc);

    tc = tcase_create("file");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, ini_file_sets_every_option);
    tcase_add_test(tc, ini_file_without_section_and_crlf);
    tcase_add_test(tc, flags_override_file_in_any_order);
    tcase_add_test(tc, flag_can_fix_an_incomplete_file);
    tcase_add_loop_test(tc, bad_ini_is_reported_with_line, 0, N(bad_ini_cases));
    tcase_add_loop_test(tc, ini_line_too_long_is_an_error, 0, 2);
    tcase_add_loop_test(tc, ini_longest_line_is_accepted, 0, 2);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(config_suite());
    int n_failed;

    srunner_run_all(sr, CK_NORMAL);
    n_failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return n_failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
