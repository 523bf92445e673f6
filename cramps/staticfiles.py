"""Static files in production: hashed and compressed when collected, served anyway when not."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class CollectedOrFoundStaticFilesStorage(CompressedManifestStaticFilesStorage):
    """WhiteNoise's manifest storage that works before ``collectstatic`` has run.

    With a manifest, URLs are the hashed, long-cached names and a file missing from it is an
    error, as usual. Without one (collectstatic never run), URLs are the plain names, which
    WhiteNoise serves from the finders (WHITENOISE_USE_FINDERS) instead of every page failing.
    """

    def stored_name(self, name: str) -> str:
        if not self.hashed_files:
            return name
        return super().stored_name(name)
