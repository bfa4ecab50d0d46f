"""Code words: stored as salted scrypt hashes, compared in constant time, never kept in clear.

The stored form "scrypt$n$r$p$salt$hash" carries its own parameters, so the cost can be raised
later without invalidating existing hashes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import unicodedata

SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
_DKLEN = 32


def normalize_code_word(word: str) -> str:
    """What the customer means, not how they typed it: case, spacing, ё/е and end punctuation ignored."""
    text = unicodedata.normalize("NFKC", word).casefold().replace("ё", "е")
    text = " ".join(text.split())
    return text.strip(" .,!?\"'«»")


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hash_code_word(word: str) -> str:
    normalized = normalize_code_word(word)
    if not normalized:
        raise ValueError("empty code word")
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(normalized.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=_DKLEN)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def verify_code_word(stored: str | None, candidate: str) -> bool:
    """Constant-time check of `candidate` against a stored hash; False for no hash or a malformed one."""
    if not stored:
        return False
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = _unb64(digest)
        actual = hashlib.scrypt(
            normalize_code_word(candidate).encode(),
            salt=_unb64(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(expected),
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)
