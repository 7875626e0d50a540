/*
 * pcprof: a QEMU TCG plugin (plugin API v1, as qemu-system-arm 7.2 has it) that counts how often
 * each guest instruction executes, for tests/firmware/hotspots.sh. Every translated instruction
 * gets an inline 64-bit add on its own counter (one slot per halfword address below 8 MiB, which
 * covers the mps2/mps3 code regions kiln's firmware runs from); at exit the non-zero counters are
 * written as "hex-address count" lines to the file named by out= (default pcprof.txt).
 *
 * Only the few API declarations it uses are spelled out here, so no QEMU headers are needed:
 *   gcc -O2 -shared -fPIC -fvisibility=hidden -o libpcprof.so pcprof.c
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint64_t qemu_plugin_id_t;
typedef struct qemu_info_t qemu_info_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *userdata);
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, qemu_plugin_vcpu_tb_trans_cb_t cb);
void qemu_plugin_register_vcpu_insn_exec_inline(struct qemu_plugin_insn *insn, enum qemu_plugin_op op,
                                                void *ptr, uint64_t imm);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb, size_t idx);
uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn *insn);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, qemu_plugin_udata_cb_t cb, void *userdata);

#define EXPORT __attribute__((visibility("default")))
EXPORT int qemu_plugin_version = 1;

/* One counter per halfword (Thumb instructions are 2 or 4 bytes) below 8 MiB. */
#define SLOTS (1u << 22)
static uint64_t *counts;
static const char *out_path = "pcprof.txt";

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    (void)id;
    size_t n = qemu_plugin_tb_n_insns(tb);
    for (size_t i = 0; i < n; i++) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        uint64_t slot = qemu_plugin_insn_vaddr(insn) / 2;
        if (slot < SLOTS)
            qemu_plugin_register_vcpu_insn_exec_inline(insn, QEMU_PLUGIN_INLINE_ADD_U64, &counts[slot], 1);
    }
}

static void on_exit_write(qemu_plugin_id_t id, void *ud)
{
    (void)id; (void)ud;
    FILE *f = fopen(out_path, "w");
    if (!f) {
        perror(out_path);
        return;
    }
    for (uint64_t i = 0; i < SLOTS; i++)
        if (counts[i])
            fprintf(f, "%" PRIx64 " %" PRIu64 "\n", i * 2, counts[i]);
    fclose(f);
}

EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv)
{
    (void)info;
    for (int i = 0; i < argc; i++) {
        if (!strncmp(argv[i], "out=", 4))
            out_path = strdup(argv[i] + 4);
        else {
            fprintf(stderr, "pcprof: unknown argument '%s' (only out=FILE)\n", argv[i]);
            return -1;
        }
    }
    counts = calloc(SLOTS, sizeof *counts);
    if (!counts)
        return -1;
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
    qemu_plugin_register_atexit_cb(id, on_exit_write, NULL);
    return 0;
}
