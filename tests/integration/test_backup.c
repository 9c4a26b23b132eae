/* Backup and restore with the CLI on real nodes (docs/cli.md,
 * proto/PROTOCOL.md §3.10): a backup taken from one cluster restores into a
 * new one with every unleased key, at revisions above the backup's plus
 * the bump, so revisions never go backwards and a watcher resuming from an
 * old revision is told -COMPACTED; restoring into a non-empty cluster needs
 * --force. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <check.h>
#include <hiredis/hiredis.h>

#include "../lib/cluster.h"
#include "../lib/expect.h"

#define LEADER_MS 10000

static struct cluster cl;

static void setup(void)
{
    cluster_start(&cl, NULL);
    CLUSTER_ASSERT(&cl, cluster_leader(&cl, LEADER_MS) != 0, "no leader");
}

static void teardown(void)
{
    ck_assert_int_eq(cluster_destroy(&cl), 0);
}

/* Run the CLI against the cluster's nodes with @args; its exit status. */
static int cli(const char *const *args)
{
    char endpoints[256] = "";
    char path[PATH_MAX];
    const char *argv[16];
    int n = 0;
    int status;
    pid_t pid;

    for (unsigned i = 0; i < cl.n_nodes; i++) {
        size_t len = strlen(endpoints);
        snprintf(endpoints + len, sizeof endpoints - len, "%s%s",
                 i > 0 ? "," : "", cl.nodes[i].client_address);
    }
    snprintf(path, sizeof path, "%s/src/scalekeeper",
             getenv("SK_BUILDDIR") ? getenv("SK_BUILDDIR") : ".");
    argv[n++] = path;
    argv[n++] = "--endpoints";
    argv[n++] = endpoints;
    while (*args != NULL && n < 15) {
        argv[n++] = *args++;
    }
    argv[n] = NULL;
    pid = fork();
    CLUSTER_ASSERT(&cl, pid >= 0, "fork");
    if (pid == 0) {
        execv(path, (char *const *)(uintptr_t)argv);
        _exit(127);
    }
    CLUSTER_ASSERT(&cl, waitpid(pid, &status, 0) == pid, "waitpid");
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

#define CLI(...) cli((const char *const[]){ __VA_ARGS__, NULL })

START_TEST(a_backup_restores_into_a_new_cluster_at_higher_revisions)
{
    char file[PATH_MAX];
    redisContext *ctx = cluster_connect(&cl, 1);
    redisReply *r;
    long long lease;
    uint64_t backup_rev = 0;
    uint64_t rev = 0;

    snprintf(file, sizeof file, "%s/sk-backup-%d",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (int)getpid());
    for (int i = 0; i < 50; i++) {
        expect_status(&cl, ctx, "OK", "SET b/%02d v%d", i, i);
    }
    expect_status(&cl, ctx, "OK", "SET b/bin %b", "\0\xff", (size_t)2);
    expect_int(&cl, ctx, "DEL b/49");
    lease = expect_int(&cl, ctx, "LEASE.GRANT 60");
    expect_status(&cl, ctx, "OK", "SET b/leased x LEASE %lld", lease);
    CLUSTER_ASSERT(&cl,
                   cluster_info_u64(&cl, cluster_leader(&cl, LEADER_MS),
                                    "store", "revision", &backup_rev),
                   "INFO");
    CLUSTER_ASSERT(&cl, CLI("backup", file) == 0, "backup failed");
    redisFree(ctx);

    /* The old cluster is gone; a new one starts from revision 0. */
    ck_assert_int_eq(cluster_destroy(&cl), 0);
    cluster_start(&cl, NULL);
    CLUSTER_ASSERT(&cl, cluster_leader(&cl, LEADER_MS) != 0, "no leader");
    CLUSTER_ASSERT(&cl, CLI("restore", file, "--bump-revision", "1000") == 0,
                   "restore failed");
    ctx = cluster_connect(&cl, 2);
    for (int i = 0; i < 49; i++) {
        char key[16];
        char value[16];
        snprintf(key, sizeof key, "b/%02d", i);
        snprintf(value, sizeof value, "v%d", i);
        expect_value(&cl, ctx, key, value);
    }
    expect_value(&cl, ctx, "b/49", NULL);
    expect_value(&cl, ctx, "b/leased", NULL);
    r = expect_reply(&cl, ctx, "GETREV b/bin");
    CLUSTER_ASSERT(&cl,
                   r->type == REDIS_REPLY_ARRAY && r->element[0]->len == 2 &&
                       memcmp(r->element[0]->str, "\0\xff", 2) == 0 &&
                       (uint64_t)r->element[2]->integer > backup_rev + 1000,
                   "restored b/bin at revision %lld (backup at %llu)",
                   r->element[2]->integer, (unsigned long long)backup_rev);
    freeReplyObject(r);
    CLUSTER_ASSERT(&cl,
                   cluster_info_u64(&cl, cluster_leader(&cl, LEADER_MS),
                                    "store", "revision", &rev) &&
                       rev == backup_rev + 1000 + 50,
                   "revision %llu after the restore of revision %llu",
                   (unsigned long long)rev, (unsigned long long)backup_rev);
    /* A watcher of the old cluster resuming where it was is told. */
    expect_error_prefix(&cl, ctx, "COMPACTED", "KEYWATCH b/ FROM %llu",
                        (unsigned long long)backup_rev);
    redisFree(ctx);

    CLUSTER_ASSERT(&cl, CLI("restore", file) == 1,
                   "restore into a cluster with keys needs --force");
    CLUSTER_ASSERT(&cl, CLI("restore", file, "--force") == 0,
                   "restore --force failed");
    CLUSTER_ASSERT(&cl, CLI("restore", "/nonexistent") == 2, "bad file");
    unlink(file);
}

END_TEST

static Suite *backup_suite(void)
{
    Suite *s = suite_create("backup");
    TCase *tc = tcase_create("three_nodes");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc,
                   a_backup_restores_into_a_new_cluster_at_higher_revisions);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(backup_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
