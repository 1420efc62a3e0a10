from citrine_modules.certificates.module import CertificatesModule

__all__ = ["CertificatesModule"]
