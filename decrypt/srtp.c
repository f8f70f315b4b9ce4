/* SRTP profile parameters (no libsrtp2 here: that is srtp_wrap.c's alone). */
#include "decrypt/srtp.h"

/* see srtp.h */
enum lim_err lim_srtp_profile_params(enum lim_srtp_profile profile, size_t *keylen, size_t *saltlen,
				     size_t *taglen)
{
	enum lim_err rc = LIM_OK;
	*keylen = 16;
	switch (profile) {
	case LIM_SRTP_AES128_CM_SHA1_80:
		*saltlen = 14;
		*taglen = 10;
		break;
	case LIM_SRTP_AES128_CM_SHA1_32:
		*saltlen = 14;
		*taglen = 4;
		break;
	case LIM_SRTP_AEAD_AES_128_GCM:
		*saltlen = 12;
		*taglen = 16;
		break;
	default:
		*keylen = *saltlen = *taglen = 0;
		rc = LIM_E_ARG;
		break;
	}
	return rc;
}
