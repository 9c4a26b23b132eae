/* Unit tests for leases in the state machine (src/fsm/lease_ops.c,
 * src/store/lease.c, the lease index of src/store/kv.c): grants, keys
 * attached and detached, revocation and expiry in one revision,
 * checkpoints and keepalives. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "../lib/apply.h"
#include "fsm/entry.h"
#include "fsm/fsm.h"
#include "fsm/snapshot.h"
#include "fsm/txn.h"
#include "lib/buf.h"
#include "store/lease.h"

#define A FSM_APPLY

START_TEST(grants_get_increasing_ids_and_no_revision)
{
    struct fsm_fixture x;

    fsm_fixture_init(&x);
    A(&x, ENTRY_OP_LEASE_GRANT, "10");
    ck_assert_str_eq(reply_text(&x.r), ":1\r\n");
    A(&x, ENTRY_OP_LEASE_GRANT, "20");
    ck_assert_str_eq(reply_text(&x.r), ":2\r\n");
    ck_assert_uint_eq(x.f.revision, 0);
    ck_assert_uint_eq(lease_get(&x.f.leases, 2)->ttl_s, 20);
    ck_assert_uint_eq(lease_get(&x.f.leases, 2)->ckpt_ms, 0);
    ck_assert_str_eq(change_log_take(&x.log),
                     "lease granted 1\nlease granted 2\n");
    /* An id is never reused, even after its lease is gone. */
    A(&x, ENTRY_OP_LEASE_REVOKE, "2");
    A(&x, ENTRY_OP_LEASE_GRANT, "5");
    ck_assert_str_eq(reply_text(&x.r), ":3\r\n");
    fsm_fixture_close(&x);
}

END_TEST

START_TEST(bad_ttls_are_refused)
{
    static const char *bad[] = {
        "0", "-1", "", "1x", "01", "315360001", "99999999999999999999999"
    };
    struct fsm_fixture x;

    fsm_fixture_init(&x);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        A(&x, ENTRY_OP_LEASE_GRANT, bad[i]);
        ck_assert_str_eq(reply_text(&x.r), "-ERR invalid lease TTL\r\n");
    }
    ck_assert_uint_eq(lease_count(&x.f.leases), 0);
    ck_assert_uint_eq(x.f.leases.next_id, 1);
    A(&x, ENTRY_OP_LEASE_GRANT, "315360000");
    ck_assert_str_eq(reply_text(&x.r), ":1\r\n");
    fsm_fixture_close(&x);
}

END_TEST

START_TEST(set_with_lease_attaches_and_plain_set_detaches)
{
    struct fsm_fixture x;

    fsm_fixture_init(&x);
    A(&x, ENTRY_OP_LEASE_GRANT, "10");
    A(&x, ENTRY_OP_SET, "a", "1", "LEASE", "1");
    ck_assert_str_eq(reply_text(&x.r), "+OK\r\n");
    A(&x, ENTRY_OP_SET, "b", "2", "lease", "1");
    ck_assert_uint_eq(kv_get(x.f.kv, "a", 1)->lease, 1);
    ck_assert_uint_eq(kv_get(x.f.kv, "b", 1)->lease, 1);
    /* CAS keeps the key's lease; a plain SET drops it. */
    A(&x, ENTRY_OP_CAS, "a", "1", "11");
    ck_assert_uint_eq(kv_get(x.f.kv, "a", 1)->lease, 1);
    A(&x, ENTRY_OP_SET, "b", "3");
    ck_assert_uint_eq(kv_get(x.f.kv, "b", 1)->lease, 0);
    change_log_take(&x.log);
    /* Revoking deletes only what is still attached, in one revision. */
    A(&x, ENTRY_OP_LEASE_REVOKE, "1");
    ck_assert_str_eq(reply_text(&x.r), ":1\r\n");
    ck_assert_ptr_null(kv_get(x.f.kv, "a", 1));
    ck_assert_ptr_nonnull(kv_get(x.f.kv, "b", 1));
    ck_assert_uint_eq(x.f.revision, 5);
    ck_assert_str_eq(change_log_take(&x.log),
                     "delete a= c=1 m=5 l=1\nlease removed 1\n");
    fsm_fixture_close(&x);
}

END_TEST

START_TEST(set_with_unknown_lease_changes_nothing)
{
    struct fsm_fixture x;

    fsm_fixture_init(&x);
    A(&x, ENTRY_OP_SET, "a", "1", "LEASE", "7");
    ck_assert_str_eq(reply_text(&x.r),
                     "-NOLEASE lease 7 not found (expired or revoked)\r\n");
    A(&x, ENTRY_OP_SET, "a", "1", "LEASE", "x");
    ck_assert_str_eq(reply_text(&x.r),
                     "-ERR lease id must be a number >= 1\r\n");
    A(&x, ENTRY_OP_SET, "a", "1", "TTL", "1");
    ck_assert_str_eq(reply_text(&x.r), "-ERR syntax error\r\n");
    ck_assert_uint_eq(x.f.revision, 0);
    ck_assert_uint_eq(kv_count(x.f.kv), 0);
    ck_assert_str_eq(change_log_take(&x.log), "");
    fsm_fixture_close(&x);
}

END_TEST

START_TEST(expiry_deletes_every_key_in_one_revision_as_expire_events)
{
    struct fsm_fixture x;
    char key[8];

    fsm_fixture_init(&x);
    A(&x, ENTRY_OP_LEASE_GRANT, "10");
    A(&x, ENTRY_OP_LEASE_GRANT, "10");
    for (int i = 0; i < 50; i++) {
        snprintf(key, sizeof key, "k%02d", i);
        A(&x, ENTRY_OP_SET, key, "v", "LEASE", i % 2 ? "1" : "2");
    }
    change_log_take(&x.log);
    A(&x, ENTRY_OP_LEASE_EXPIRE, "1", "9", "2");
    ck_assert_str_eq(reply_text(&x.r), ":2\r\n"); /* lease 9 never was */
    ck_assert_uint_eq(kv_count(x.f.kv), 0);
    ck_assert_uint_eq(lease_count(&x.f.leases), 0);
    /* One revision per lease: 50 writes, then 51 and 52. */
    ck_assert_uint_eq(x.f.revision, 52);
    {
        const char *log = change_log_take(&x.log);
        ck_assert_ptr_nonnull(strstr(log, "expire k01= c=2 m=51 l=1\n"));
        ck_assert_ptr_nonnull(strstr(log, "expire k00= c=1 m=52 l=2\n"));
        ck_assert_ptr_null(strstr(log, "delete"));
    }
    /* An expiry of leases already gone changes nothing. */
    A(&x, ENTRY_OP_LEASE_EXPIRE, "1");
    ck_assert_str_eq(reply_text(&x.r), ":0\r\n");
    ck_assert_uint_eq(x.f.revision, 52);
    fsm_fixture_close(&x);
}

END_TEST

START_TEST(revoke_of_a_lease_without_keys_takes_no_revision)
{
    struct fsm_fixture x;

    fsm_fixture_init(&x);
    A(&x, ENTRY_OP_LEASE_GRANT, "10");
    A(&x, ENTRY_OP_LEASE_REVOKE, "1");
    ck_assert_str_eq(reply_text(&x.r), ":0\r\n");
    ck_assert_uint_eq(x.f.revision, 0);
    A(&x, ENTRY_OP_LEASE_REVOKE, "1");
    ck_assert_str_eq(reply_text(&x.r),
                     "-NOLEASE lease 1 not found (expired or revoked)\r\n");
    fsm_fixture_close(&x);
}

END_TEST

START_TEST(deleting_a_key_detaches_it)
{
    struct fsm_fixture x;

    fsm_fixture_init(&x);
    A(&x, ENTRY_OP_LEASE_GRANT, "10");
    A(&x, ENTRY_OP_SET, "a", "1", "LEASE", "1");
    A(&x, ENTRY_OP_SET, "b", "1", "LEASE", "1");
    A(&x, ENTRY_OP_DEL, "a");
    ck_assert_ptr_nonnull(kv_lease_first(x.f.kv, 1));
    ck_assert_ptr_null(kv_lease_next(kv_lease_first(x.f.kv, 1)));
    A(&x, ENTRY_OP_DEL, "b");
    ck_assert_ptr_null(kv_lease_first(x.f.kv, 1));
    A(&x, ENTRY_OP_LEASE_REVOKE, "1");
    ck_assert_str_eq(reply_text(&x.r), ":0\r\n");
    ck_assert_uint_eq(x.f.revision, 4);
    fsm_fixture_close(&x);
}

END_TEST

START_TEST(checkpoints_and_keepalives)
{
    struct fsm_fixture x;

    fsm_fixture_init(&x);
    A(&x, ENTRY_OP_LEASE_GRANT, "10");
    A(&x, ENTRY_OP_LEASE_GRANT, "10");
    A(&x, ENTRY_OP_LEASE_CHECKPOINT, "1", "4000", "2", "12000", "5", "1");
    ck_assert_str_eq(reply_text(&x.r), ":2\r\n");
    ck_assert_uint_eq(lease_get(&x.f.leases, 1)->ckpt_ms, 4000);
    /* At or above the TTL the checkpoint is the full TTL. */
    ck_assert_uint_eq(lease_get(&x.f.leases, 2)->ckpt_ms, 0);
    change_log_take(&x.log);
    A(&x, ENTRY_OP_LEASE_KEEPALIVE, "1");
    ck_assert_str_eq(reply_text(&x.r), ":10\r\n");
    ck_assert_uint_eq(lease_get(&x.f.leases, 1)->ckpt_ms, 0);
    ck_assert_str_eq(change_log_take(&x.log), "lease renewed 1\n");
    A(&x, ENTRY_OP_LEASE_KEEPALIVE, "3");
    ck_assert_str_eq(reply_text(&x.r),
                     "-NOLEASE lease 3 not found (expired or revoked)\r\n");
    ck_assert_uint_eq(x.f.revision, 0);
    fsm_fixture_close(&x);
}

END_TEST

START_TEST(a_transaction_can_attach_keys_to_a_lease)
{
    static const struct slice ok[] = {
        { "SET", 3 }, { "k", 1 }, { "v", 1 }, { "LEASE", 5 }, { "1", 1 }
    };
    static const struct slice bad[] = {
        { "set", 3 }, { "j", 1 }, { "v", 1 }, { "lease", 5 }, { "2", 1 }
    };
    struct fsm_fixture x;
    struct txn_writer w;
    struct buf blob;

    fsm_fixture_init(&x);
    txn_writer_init(&w);
    buf_init(&blob);
    A(&x, ENTRY_OP_LEASE_GRANT, "10");
    txn_writer_command(&w, 5, ok);
    txn_writer_command(&w, 5, bad);
    txn_writer_finish(&w, &blob);
    buf_reset(&x.r);
    txn_apply(&x.f, blob.base, blob.len, &x.r);
    ck_assert_str_eq(reply_text(&x.r),
                     "*2\r\n+OK\r\n-NOLEASE lease 2 not found (expired or "
                     "revoked)\r\n");
    ck_assert_uint_eq(kv_get(x.f.kv, "k", 1)->lease, 1);
    ck_assert_ptr_null(kv_get(x.f.kv, "j", 1));
    ck_assert_uint_eq(x.f.revision, 1);
    buf_close(&blob);
    txn_writer_close(&w);
    fsm_fixture_close(&x);
}

END_TEST

START_TEST(leases_survive_a_snapshot_round_trip)
{
    struct fsm_fixture x;
    struct fsm copy;
    struct buf snap;

    fsm_fixture_init(&x);
    fsm_init(&copy);
    buf_init(&snap);
    A(&x, ENTRY_OP_LEASE_GRANT, "10");
    A(&x, ENTRY_OP_LEASE_GRANT, "30");
    A(&x, ENTRY_OP_LEASE_REVOKE, "1");
    A(&x, ENTRY_OP_LEASE_CHECKPOINT, "2", "777");
    A(&x, ENTRY_OP_SET, "k", "v", "LEASE", "2");
    snapshot_encode(&x.f, &snap);
    ck_assert_int_eq(snapshot_decode(&copy, snap.base, snap.len), 0);
    ck_assert_uint_eq(copy.leases.next_id, 3);
    ck_assert_ptr_null(lease_get(&copy.leases, 1));
    ck_assert_uint_eq(lease_get(&copy.leases, 2)->ckpt_ms, 777);
    ck_assert_uint_eq(kv_get(copy.kv, "k", 1)->lease, 2);
    /* The index is rebuilt: revoking the restored lease deletes the key. */
    {
        struct buf r;
        buf_init(&r);
        apply_cmd(&copy, &r, ENTRY_OP_LEASE_REVOKE, 1, "2");
        ck_assert_str_eq(reply_text(&r), ":1\r\n");
        buf_close(&r);
    }
    ck_assert_uint_eq(kv_count(copy.kv), 0);
    buf_close(&snap);
    fsm_close(&copy);
    fsm_fixture_close(&x);
}

END_TEST

static Suite *lease_suite(void)
{
    Suite *s = suite_create("lease");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, grants_get_increasing_ids_and_no_revision);
    tcase_add_test(tc, bad_ttls_are_refused);
    tcase_add_test(tc, set_with_lease_attaches_and_plain_set_detaches);
    tcase_add_test(tc, set_with_unknown_lease_changes_nothing);
    tcase_add_test(tc,
                   expiry_deletes_every_key_in_one_revision_as_expire_events);
    tcase_add_test(tc, revoke_of_a_lease_without_keys_takes_no_revision);
    tcase_add_test(tc, deleting_a_key_detaches_it);
    tcase_add_test(tc, checkpoints_and_keepalives);
    tcase_add_test(tc, a_transaction_can_attach_keys_to_a_lease);
    tcase_add_test(tc, leases_survive_a_snapshot_round_trip);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(lease_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
