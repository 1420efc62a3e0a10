"""Certificate helpers: X.509 utilities, the CSMS's certificate authority, an OCSP client."""

from citrine_util.certificates.authority import CertificateAuthority, CsrSubject, check_csr
from citrine_util.certificates.x509 import CertificateProblem, HashData, hash_data, load_chain

__all__ = [
    "CertificateAuthority",
    "CertificateProblem",
    "CsrSubject",
    "HashData",
    "check_csr",
    "hash_data",
    "load_chain",
]
