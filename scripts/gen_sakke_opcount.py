#!/usr/bin/env python3
"""Prints the F_p operation counts of one SAKKE decapsulation (RFC 6508 Appendix A vector) for
decrypt/sakke.c: multiplications (M), squarings (S), Fermat inversions and additions/subtractions,
for sakke_decapsulate, sakke_rsk_ctx_new and sakke_rsk_ctx_decapsulate, and the split of the
scratch path into the pairing and the [r]Q re-check.

Nothing in the library changes: decrypt/sakke.c is compiled in a temporary directory with
sakke_fp_mul/sqr/inv/add/sub renamed (-D) to counting wrappers. The blinded inversions
(fp_inv_blind: 2 M each plus one BN_mod_inverse) appear as their 2 M.
Usage (from the repository root): python3 scripts/gen_sakke_opcount.py   (needs cc and libcrypto)"""
import os
import re
import subprocess
import sys
import tempfile

SHIM = r'''
#include "decrypt/sakke_internal.h"
unsigned long cnt_m, cnt_s, cnt_i, cnt_a;
void cnt_fp_mul(uint64_t r[FP_N], const uint64_t a[FP_N], const uint64_t b[FP_N])
{ cnt_m++; sakke_fp_mul(r, a, b); }
void cnt_fp_sqr(uint64_t r[FP_N], const uint64_t a[FP_N]) { cnt_s++; sakke_fp_sqr(r, a); }
void cnt_fp_inv(uint64_t r[FP_N], const uint64_t a[FP_N]) { cnt_i++; sakke_fp_inv(r, a); }
void cnt_fp_add(uint64_t r[FP_N], const uint64_t a[FP_N], const uint64_t b[FP_N])
{ cnt_a++; sakke_fp_add(r, a, b); }
void cnt_fp_sub(uint64_t r[FP_N], const uint64_t a[FP_N], const uint64_t b[FP_N])
{ cnt_a++; sakke_fp_sub(r, a, b); }
'''
DECL = r'''
#include <stdint.h>
void cnt_fp_mul(uint64_t r[16], const uint64_t a[16], const uint64_t b[16]);
void cnt_fp_sqr(uint64_t r[16], const uint64_t a[16]);
void cnt_fp_inv(uint64_t r[16], const uint64_t a[16]);
void cnt_fp_add(uint64_t r[16], const uint64_t a[16], const uint64_t b[16]);
void cnt_fp_sub(uint64_t r[16], const uint64_t a[16], const uint64_t b[16]);
'''
DRV = r'''
#include <stdio.h>
#include <string.h>
#include "decrypt/sakke.h"
#include "decrypt/sakke_internal.h"
extern unsigned long cnt_m, cnt_s, cnt_i, cnt_a;
static void zero(void) { cnt_m = cnt_s = cnt_i = cnt_a = 0; }
static void show(const char *what, int rc)
{
	printf("%-52s rc=%d  %6lu M + %6lu S + %lu inv (Fermat), %6lu add/sub\n", what, rc, cnt_m,
	       cnt_s, cnt_i, cnt_a);
}
int main(void)
{
	static const uint8_t Z[257] = {ZBYTES}, K[257] = {KBYTES}, id[] = {IDBYTES},
	                     sed[273] = {SEDBYTES}, Q[257] = {QBYTES};
	uint8_t ssv[16], r[128], out[257];
	struct sakke_rsk_ctx *c = NULL;
	int rc;
	zero();
	rc = sakke_decapsulate(Z, id, sizeof id, K, sed, sizeof sed, ssv);
	show("sakke_decapsulate (scratch)", rc);
	zero();
	rc = sakke_t_pairing(sed, K, out);
	show("  of which <R, K> (Miller loop + final exp)", rc);
	if (sakke_t_h2ir_q(ssv, id, sizeof id, r) != LIM_OK)
		return 1;
	zero();
	rc = sakke_t_ec_mul(r, Q, out);
	show("  of which re-check [r]Q", rc || memcmp(out, sed, 257) != 0);
	zero();
	rc = sakke_rsk_ctx_new(Z, id, sizeof id, K, &c);
	show("sakke_rsk_ctx_new", rc);
	zero();
	rc = sakke_rsk_ctx_decapsulate(c, sed, sizeof sed, ssv);
	show("sakke_rsk_ctx_decapsulate (cached)", rc);
	sakke_rsk_ctx_free(c);
	return 0;
}
'''


def cbytes(h):
    return ", ".join("0x" + h[i:i + 2] for i in range(0, len(h), 2))


def main():
    vec = dict(re.findall(r"^(\w+) = ([0-9a-f]+)$", open("tests/kat/rfc6508.vec").read(), re.M))
    drv = (DRV.replace("ZBYTES", cbytes("04" + vec["Zx"] + vec["Zy"]))
           .replace("KBYTES", cbytes("04" + vec["Kx"] + vec["Ky"]))
           .replace("QBYTES", cbytes("04" + vec["Qx"] + vec["Qy"]))
           .replace("IDBYTES", cbytes(vec["b"])).replace("SEDBYTES", cbytes(vec["SED"])))
    ren = ["-D%s=cnt_%s" % (f, f[6:]) for f in
           ("sakke_fp_mul", "sakke_fp_sqr", "sakke_fp_inv", "sakke_fp_add", "sakke_fp_sub")]
    cc = [os.environ.get("CC", "cc"), "-O2", "-std=c11", "-D_DEFAULT_SOURCE", "-I."]
    with tempfile.TemporaryDirectory() as d:
        for name, text in (("shim.c", SHIM), ("decl.h", DECL), ("drv.c", drv)):
            with open(os.path.join(d, name), "w") as f:
                f.write(text)
        objs = []
        for src, extra in (("decrypt/sakke.c", ren + ["-include", os.path.join(d, "decl.h")]),
                           ("decrypt/sakke_fp.c", []), ("decrypt/sakke_ptab.c", []),
                           ("common/wipe.c", []), ("common/codec.c", []),
                           (os.path.join(d, "shim.c"), []), (os.path.join(d, "drv.c"), [])):
            o = os.path.join(d, "%d.o" % len(objs))
            subprocess.run(cc + extra + ["-c", src, "-o", o], check=True)
            objs.append(o)
        exe = os.path.join(d, "opcount")
        subprocess.run(cc + objs + ["-o", exe, "-lcrypto"], check=True)
        sys.stdout.write(subprocess.run([exe], check=True, capture_output=True,
                                        text=True).stdout)


if __name__ == "__main__":
    main()
