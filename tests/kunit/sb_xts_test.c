// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests driving the real kernel crypto API the way stackblk's crypt
 * stage (and dm-crypt's aes-xts-plain64) does: xts(aes) per crypt sector
 * (512 or 4096 bytes), IV = plain64 built by the module's own
 * sb_plain64_iv() (little-endian sector number in the first 8 bytes of a
 * 16-byte IV, the rest zero).
 *
 * Every case runs against each implementation in sb_xts_impls[]: the one the
 * crypto API picks for "xts(aes)" (AES-NI on x86) and the generic C one, so
 * a broken accelerated driver cannot hide behind a matching generic one.
 */
#include <kunit/test.h>
#include <crypto/skcipher.h>
#include <linux/module.h>
#include <linux/scatterlist.h>
#include <linux/string.h>
#include <linux/unaligned.h>

#include "sb_lib.h"
#include "sb_xts_vectors.h"

#define SB_SECTOR	512
#define SB_IV_SIZE	SB_CRYPT_IV_SIZE

static const char *const sb_xts_impls[] = {
	"xts(aes)",			/* what dm-crypt/stackblk get: highest priority */
	"xts(ecb(aes-generic))",	/* reference C implementation */
};

/*
 * Reference plain64, written from dm-crypt's crypt_iv_plain64_gen(): the
 * 512-byte sector number (or, with iv_large_sectors, the crypt sector
 * number) as __le64, zero padded.  Only used to check sb_plain64_iv().
 */
static void sb_ref_plain64_iv(u8 iv[SB_IV_SIZE], u64 pos, u32 cs, bool large)
{
	memset(iv, 0, SB_IV_SIZE);
	put_unaligned_le64(large ? pos / cs : pos >> SECTOR_SHIFT, iv);
}

static struct crypto_skcipher *sb_xts_alloc(struct kunit *test, const char *alg,
					    const u8 *key, unsigned int klen)
{
	struct crypto_skcipher *tfm;
	int err;

	tfm = crypto_alloc_skcipher(alg, 0, 0);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(tfm), "crypto_alloc_skcipher(%s): %d",
			       alg, PTR_ERR_OR_ZERO(tfm));
	KUNIT_EXPECT_EQ(test, crypto_skcipher_ivsize(tfm), (unsigned int)SB_IV_SIZE);
	err = crypto_skcipher_setkey(tfm, key, klen);
	if (err) {
		crypto_free_skcipher(tfm);
		KUNIT_ASSERT_EQ_MSG(test, err, 0, "setkey(%s, %u bytes)", alg, klen);
	}
	return tfm;
}

/*
 * One request over [src, src+len) -> dst for the crypt sector at byte @pos,
 * IV from the module's sb_plain64_iv(); synchronous wait.
 */
static int sb_xts_crypt_cs(struct crypto_skcipher *tfm, const u8 *src, u8 *dst,
			   unsigned int len, u64 pos, u32 cs, bool large, bool encrypt)
{
	struct scatterlist sg_src, sg_dst;
	struct skcipher_request *req;
	DECLARE_CRYPTO_WAIT(wait);
	u8 iv[SB_IV_SIZE];
	int err;

	req = skcipher_request_alloc(tfm, GFP_KERNEL);
	if (!req)
		return -ENOMEM;
	sb_plain64_iv(iv, pos, cs, large);
	sg_init_one(&sg_src, src, len);
	sg_init_one(&sg_dst, dst, len);
	skcipher_request_set_callback(req, CRYPTO_TFM_REQ_MAY_BACKLOG |
				      CRYPTO_TFM_REQ_MAY_SLEEP, crypto_req_done, &wait);
	skcipher_request_set_crypt(req, src == dst ? &sg_dst : &sg_src, &sg_dst, len, iv);
	err = crypto_wait_req(encrypt ? crypto_skcipher_encrypt(req) :
			      crypto_skcipher_decrypt(req), &wait);
	skcipher_request_free(req);
	return err;
}

/* 512-byte crypt sectors, IV = 512-byte sector number: dm-crypt's default. */
static int sb_xts_crypt(struct crypto_skcipher *tfm, const u8 *src, u8 *dst,
			unsigned int len, u64 sector, bool encrypt)
{
	return sb_xts_crypt_cs(tfm, src, dst, len, sector << SECTOR_SHIFT, SB_SECTOR,
			       false, encrypt);
}

/* dm-crypt style: each crypt sector of @buf (at byte @pos) with its own IV. */
static int sb_xts_crypt_range(struct crypto_skcipher *tfm, u8 *buf, unsigned int len,
			      u64 pos, u32 cs, bool large, bool encrypt)
{
	unsigned int off, n;
	int err;

	for (off = 0; off < len; off += cs) {
		n = min_t(unsigned int, len - off, cs);
		err = sb_xts_crypt_cs(tfm, buf + off, buf + off, n, pos + off, cs, large,
				      encrypt);
		if (err)
			return err;
	}
	return 0;
}

static int sb_xts_crypt_sectors(struct crypto_skcipher *tfm, u8 *buf, unsigned int len,
				u64 first_sector, bool encrypt)
{
	return sb_xts_crypt_range(tfm, buf, len, first_sector << SECTOR_SHIFT, SB_SECTOR,
				  false, encrypt);
}

static void sb_fill_pattern(u8 *buf, unsigned int len, u32 seed)
{
	unsigned int i;

	for (i = 0; i < len; i++) {
		seed = seed * 1103515245 + 12345;
		buf[i] = seed >> 16;
	}
}

static const u8 sb_test_key64[64] = {
	0x60, 0x3d, 0xeb, 0x10, 0x15, 0xca, 0x71, 0xbe, 0x2b, 0x73, 0xae, 0xf0,
	0x85, 0x7d, 0x77, 0x81, 0x1f, 0x35, 0x2c, 0x07, 0x3b, 0x61, 0x08, 0xd7,
	0x2d, 0x98, 0x10, 0xa3, 0x09, 0x14, 0xdf, 0xf4, 0x11, 0x22, 0x33, 0x44,
	0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x00,
	0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0xfe, 0xdc, 0xba, 0x98,
	0x76, 0x54, 0x32, 0x10,
};

/* ------------------------------------------------------------------------ */

static void sb_xts_vector_desc(const struct sb_xts_vector *v, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s", v->name);
}
KUNIT_ARRAY_PARAM(sb_xts_vector, sb_xts_vectors, sb_xts_vector_desc);

/* IEEE 1619 known answer: encrypt(ptext) == ctext, for every implementation. */
static void sb_xts_kat_encrypt(struct kunit *test)
{
	const struct sb_xts_vector *v = test->param_value;
	unsigned int i;
	u8 *buf;

	buf = kunit_kmalloc(test, v->len, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	for (i = 0; i < ARRAY_SIZE(sb_xts_impls); i++) {
		struct crypto_skcipher *tfm = sb_xts_alloc(test, sb_xts_impls[i], v->key, v->klen);

		memcpy(buf, v->ptext, v->len);
		KUNIT_EXPECT_EQ(test, sb_xts_crypt(tfm, buf, buf, v->len, v->sector, true), 0);
		KUNIT_EXPECT_MEMEQ_MSG(test, buf, v->ctext, v->len, "%s (%s)", sb_xts_impls[i],
				       crypto_skcipher_driver_name(tfm));
		crypto_free_skcipher(tfm);
	}
}

/* IEEE 1619 known answer: decrypt(ctext) == ptext, for every implementation. */
static void sb_xts_kat_decrypt(struct kunit *test)
{
	const struct sb_xts_vector *v = test->param_value;
	unsigned int i;
	u8 *buf;

	buf = kunit_kmalloc(test, v->len, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	for (i = 0; i < ARRAY_SIZE(sb_xts_impls); i++) {
		struct crypto_skcipher *tfm = sb_xts_alloc(test, sb_xts_impls[i], v->key, v->klen);

		memcpy(buf, v->ctext, v->len);
		KUNIT_EXPECT_EQ(test, sb_xts_crypt(tfm, buf, buf, v->len, v->sector, false), 0);
		KUNIT_EXPECT_MEMEQ_MSG(test, buf, v->ptext, v->len, "%s (%s)", sb_xts_impls[i],
				       crypto_skcipher_driver_name(tfm));
		crypto_free_skcipher(tfm);
	}
}

/* ------------------------------------------------------------------------ */

struct sb_xts_rt_case {
	const char *name;
	unsigned int len;
	u64 pos;		/* byte offset on the backing device */
	unsigned int klen;
	u32 cs;			/* crypt sector size */
	bool large;		/* iv_large_sectors */
};

static const struct sb_xts_rt_case sb_xts_rt_cases[] = {
	{ "one_block",		16,		0,		32, SB_SECTOR, false },
	{ "ciphertext_stealing", 17,		512,		32, SB_SECTOR, false },
	{ "sector0_aes128",	SB_SECTOR,	0,		32, SB_SECTOR, false },
	{ "sector0_aes256",	SB_SECTOR,	0,		64, SB_SECTOR, false },
	{ "sector_2pow32",	SB_SECTOR,	1ULL << 41,	64, SB_SECTOR, false },
	{ "page_8_sectors",	4096,		12345 * 512,	64, SB_SECTOR, false },
	{ "64k_high_sectors",	65536,		(1ULL << 63) - 65536, 64, SB_SECTOR, false },
	{ "cs4096_iv512",	4 * 4096,	1ULL << 30,	64, 4096, false },
	{ "cs4096_large_iv",	4 * 4096,	1ULL << 30,	64, 4096, true },
	{ "cs4096_aes128",	4096,		0,		32, 4096, true },
};

static void sb_xts_rt_desc(const struct sb_xts_rt_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s", c->name);
}
KUNIT_ARRAY_PARAM(sb_xts_rt, sb_xts_rt_cases, sb_xts_rt_desc);

/* decrypt(encrypt(x)) == x sector by sector, and encrypt(x) != x. */
static void sb_xts_roundtrip(struct kunit *test)
{
	const struct sb_xts_rt_case *c = test->param_value;
	unsigned int i, off;
	u8 *orig, *buf;

	orig = kunit_kmalloc(test, c->len, GFP_KERNEL);
	buf = kunit_kmalloc(test, c->len, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, orig);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	sb_fill_pattern(orig, c->len, c->len);

	for (i = 0; i < ARRAY_SIZE(sb_xts_impls); i++) {
		struct crypto_skcipher *tfm = sb_xts_alloc(test, sb_xts_impls[i],
							   sb_test_key64, c->klen);

		memcpy(buf, orig, c->len);
		KUNIT_ASSERT_EQ(test, sb_xts_crypt_range(tfm, buf, c->len, c->pos, c->cs,
							 c->large, true), 0);
		for (off = 0; off < c->len; off += c->cs) {
			unsigned int n = min_t(unsigned int, c->len - off, c->cs);

			KUNIT_EXPECT_NE_MSG(test, memcmp(buf + off, orig + off, n), 0,
					    "%s: crypt sector +%u not encrypted", sb_xts_impls[i],
					    off / c->cs);
		}
		KUNIT_ASSERT_EQ(test, sb_xts_crypt_range(tfm, buf, c->len, c->pos, c->cs,
							 c->large, false), 0);
		KUNIT_EXPECT_MEMEQ_MSG(test, buf, orig, c->len, "%s", sb_xts_impls[i]);
		crypto_free_skcipher(tfm);
	}
}

/*
 * The module's IV is dm-crypt's plain64, byte for byte: so a stackblk crypt
 * device can be opened with `cryptsetup --type plain -c aes-xts-plain64`.
 */
static void sb_xts_plain64_iv_layout(struct kunit *test)
{
	static const u8 want[SB_IV_SIZE] = {	/* sector 0x0011223344556677 */
		0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, 0x00,
	};
	static const u32 css[] = { 512, 4096 };
	u8 iv[SB_IV_SIZE], ref[SB_IV_SIZE];
	unsigned int i, ci;
	u64 pos = 0;

	memset(iv, 0xff, sizeof(iv));
	sb_plain64_iv(iv, 0x0011223344556677ULL << SECTOR_SHIFT, 512, false);
	KUNIT_EXPECT_MEMEQ(test, iv, want, SB_IV_SIZE);
	for (ci = 0; ci < ARRAY_SIZE(css); ci++) {
		for (i = 0; i < 64; i++) {
			pos = (pos * 2862933555777941757ULL + 3037000493ULL) & ~(u64)(css[ci] - 1);
			sb_plain64_iv(iv, pos, css[ci], false);
			sb_ref_plain64_iv(ref, pos, css[ci], false);
			KUNIT_EXPECT_MEMEQ(test, iv, ref, SB_IV_SIZE);
			sb_plain64_iv(iv, pos, css[ci], true);
			sb_ref_plain64_iv(ref, pos, css[ci], true);
			KUNIT_EXPECT_MEMEQ(test, iv, ref, SB_IV_SIZE);
		}
	}
}

/*
 * The same plaintext at sectors 0, 1, 2^32 and 2^32+1 gives four different
 * ciphertexts: the tweak covers all 64 bits (a 32-bit "plain" IV would make
 * sector 2^32 collide with sector 0).
 */
static void sb_xts_sector_tweak(struct kunit *test)
{
	static const u64 sectors[] = { 0, 1, 1ULL << 32, (1ULL << 32) + 1 };
	u8 *ct[ARRAY_SIZE(sectors)];
	struct crypto_skcipher *tfm;
	unsigned int i, j;

	tfm = sb_xts_alloc(test, sb_xts_impls[0], sb_test_key64, 64);
	for (i = 0; i < ARRAY_SIZE(sectors); i++) {
		ct[i] = kunit_kzalloc(test, SB_SECTOR, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, ct[i]);
		KUNIT_EXPECT_EQ(test, sb_xts_crypt(tfm, ct[i], ct[i], SB_SECTOR, sectors[i], true),
				0);
	}
	crypto_free_skcipher(tfm);
	for (i = 0; i < ARRAY_SIZE(sectors); i++)
		for (j = i + 1; j < ARRAY_SIZE(sectors); j++)
			KUNIT_EXPECT_NE_MSG(test, memcmp(ct[i], ct[j], SB_SECTOR), 0,
					    "sectors %llu and %llu collide",
					    sectors[i], sectors[j]);
}

/* Accelerated and generic implementations agree on a large buffer. */
static void sb_xts_impls_agree(struct kunit *test)
{
	const unsigned int len = 16 * SB_SECTOR;
	struct crypto_skcipher *a, *b;
	u8 *buf_a, *buf_b;

	buf_a = kunit_kmalloc(test, len, GFP_KERNEL);
	buf_b = kunit_kmalloc(test, len, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf_a);
	KUNIT_ASSERT_NOT_NULL(test, buf_b);
	sb_fill_pattern(buf_a, len, 42);
	memcpy(buf_b, buf_a, len);

	a = sb_xts_alloc(test, sb_xts_impls[0], sb_test_key64, 64);
	b = sb_xts_alloc(test, sb_xts_impls[1], sb_test_key64, 64);
	kunit_info(test, "comparing %s with %s\n", crypto_skcipher_driver_name(a),
		   crypto_skcipher_driver_name(b));
	KUNIT_EXPECT_EQ(test, sb_xts_crypt_sectors(a, buf_a, len, 1000000, true), 0);
	KUNIT_EXPECT_EQ(test, sb_xts_crypt_sectors(b, buf_b, len, 1000000, true), 0);
	crypto_free_skcipher(a);
	crypto_free_skcipher(b);
	KUNIT_EXPECT_MEMEQ(test, buf_a, buf_b, len);
}

/* Out-of-place (src != dst, as for writes) equals in-place (as for reads). */
static void sb_xts_out_of_place(struct kunit *test)
{
	struct crypto_skcipher *tfm;
	u8 *src, *dst, *inplace;

	src = kunit_kmalloc(test, SB_SECTOR, GFP_KERNEL);
	dst = kunit_kzalloc(test, SB_SECTOR, GFP_KERNEL);
	inplace = kunit_kmalloc(test, SB_SECTOR, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, src);
	KUNIT_ASSERT_NOT_NULL(test, dst);
	KUNIT_ASSERT_NOT_NULL(test, inplace);
	sb_fill_pattern(src, SB_SECTOR, 7);
	memcpy(inplace, src, SB_SECTOR);

	tfm = sb_xts_alloc(test, sb_xts_impls[0], sb_test_key64, 64);
	KUNIT_EXPECT_EQ(test, sb_xts_crypt(tfm, src, dst, SB_SECTOR, 77, true), 0);
	KUNIT_EXPECT_EQ(test, sb_xts_crypt(tfm, inplace, inplace, SB_SECTOR, 77, true), 0);
	crypto_free_skcipher(tfm);
	KUNIT_EXPECT_MEMEQ(test, dst, inplace, SB_SECTOR);
	sb_fill_pattern(inplace, SB_SECTOR, 7);
	KUNIT_EXPECT_MEMEQ_MSG(test, src, inplace, SB_SECTOR, "source modified");
}

/* XTS needs at least one full block; key must be 2 x AES key size. */
static void sb_xts_rejects_bad_input(struct kunit *test)
{
	struct crypto_skcipher *tfm;
	u8 *buf;

	buf = kunit_kzalloc(test, 16, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	tfm = sb_xts_alloc(test, sb_xts_impls[0], sb_test_key64, 64);
	KUNIT_EXPECT_EQ(test, sb_xts_crypt(tfm, buf, buf, 15, 0, true), -EINVAL);
	KUNIT_EXPECT_EQ(test, crypto_skcipher_setkey(tfm, sb_test_key64, 16), -EINVAL);
	KUNIT_EXPECT_EQ(test, crypto_skcipher_setkey(tfm, sb_test_key64, 40), -EINVAL);
	crypto_free_skcipher(tfm);
}

static struct kunit_case sb_xts_test_cases[] = {
	KUNIT_CASE_PARAM(sb_xts_kat_encrypt, sb_xts_vector_gen_params),
	KUNIT_CASE_PARAM(sb_xts_kat_decrypt, sb_xts_vector_gen_params),
	KUNIT_CASE_PARAM(sb_xts_roundtrip, sb_xts_rt_gen_params),
	KUNIT_CASE(sb_xts_plain64_iv_layout),
	KUNIT_CASE(sb_xts_sector_tweak),
	KUNIT_CASE(sb_xts_impls_agree),
	KUNIT_CASE(sb_xts_out_of_place),
	KUNIT_CASE(sb_xts_rejects_bad_input),
	{}
};

static struct kunit_suite sb_xts_suite = {
	.name = "stackblk_xts_aes",
	.test_cases = sb_xts_test_cases,
};

kunit_test_suites(&sb_xts_suite);
