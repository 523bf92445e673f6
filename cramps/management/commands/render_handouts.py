from collections import Counter
from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cramps import handout_store, handouts
from cramps.models import Article, Nutrient

BAR_WIDTH = 20


class Command(BaseCommand):
    help = (
        "Render and store the PDF handout of every published article and nutrient, so no reader "
        "waits for one. Handouts already stored for the current content are kept unless --force."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--paper",
            choices=[*handouts.PAPER_SIZES, "all"],
            help="Paper size to render (default: CRAMPS_HANDOUT_PAPER); 'all' renders every size.",
        )
        parser.add_argument(
            "--force", action="store_true", help="Render again even when a handout is already stored."
        )
        parser.add_argument(
            "--prune",
            type=int,
            metavar="DAYS",
            help="Then delete stored handouts older than DAYS that are no longer any published page's "
            "current handout (old versions, and combined handouts nobody asked for since).",
        )
        parser.add_argument(
            "--site-url",
            help="Site address printed in the handouts (default: CRAMPS_SITE_URL). Must match the public "
            "address for the stored files to be the ones readers are served.",
        )

    def handle(self, *args, paper=None, force=False, site_url=None, prune=None, **options):
        paper = paper or getattr(settings, "CRAMPS_HANDOUT_PAPER", "a4")
        papers = handouts.PAPER_SIZES if paper == "all" else (paper,)
        site_url = site_url or getattr(settings, "CRAMPS_SITE_URL", "http://127.0.0.1:8000")
        documents = [
            *Article.objects.published().order_by("title"),
            *Nutrient.objects.published().order_by("title"),
        ]
        jobs = [(document, size) for document in documents for size in papers]
        counts: Counter[str] = Counter()
        failures = []
        for index, (document, size) in enumerate(jobs, start=1):
            label = f"{document._meta.model_name} {document.slug} ({size})"
            key = handout_store.handout_key(parts=[document], paper=size, site_url=site_url)
            if not force and handout_store.handout_stored(key) is not None:
                outcome = "already stored"
            else:
                try:
                    handout_store.handout_get(parts=[document], paper=size, site_url=site_url, force=force)
                    outcome = "rendered"
                except handouts.HandoutError as error:
                    outcome = "failed"
                    failures.append(f"{label}: {error}")
            counts[outcome] += 1
            self._progress(index, len(jobs), f"{label}: {outcome}")
        summary = (
            f"{counts['rendered']} rendered, {counts['already stored']} already stored, "
            f"{counts['failed']} failed, of {len(jobs)}."
        )
        for failure in failures:
            self.stderr.write(failure)
        if failures:
            raise CommandError(summary)
        self.stdout.write(self.style.SUCCESS(summary))
        if prune is not None:
            current = {
                handout_store.handout_key(parts=[document], paper=size, site_url=site_url)
                for document in documents
                for size in handouts.PAPER_SIZES
            }
            deleted = handout_store.handouts_prune(keep=current, older_than=timedelta(days=prune))
            self.stdout.write(
                f"Pruned {deleted} stored handout{'s' if deleted != 1 else ''} older than {prune} days."
            )

    def _progress(self, done: int, total: int, label: str) -> None:
        filled = BAR_WIDTH * done // total
        line = f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done}/{total} {label}"
        if self.stdout.isatty():
            # One line redrawn in place; the last one stays.
            self.stdout.write(f"\r{line:<100}", ending="\n" if done == total else "")
            self.stdout.flush()
        else:
            self.stdout.write(line)
