from collections import Counter
from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cramps.handouts.document import PAPER_SIZES
from cramps.handouts.prune import handouts_prune
from cramps.handouts.render import HandoutError
from cramps.handouts.rendering import handout_render_now
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
            choices=[*PAPER_SIZES, "all"],
            help="Paper size to render (default: CRAMPS_HANDOUT_PAPER); 'all' renders every size.",
        )
        parser.add_argument(
            "--force", action="store_true", help="Render again even when a handout is already stored."
        )
        parser.add_argument(
            "--prune",
            type=int,
            metavar="DAYS",
            help="Then delete stored handouts that are no published page's current handout and that no "
            "reader has used for DAYS days (old versions, combined handouts nobody asks for). Renders "
            "also prune automatically, after CRAMPS_HANDOUT_KEEP_DAYS.",
        )
        parser.add_argument(
            "--site-url",
            help="Site address printed in the handouts (default: CRAMPS_SITE_URL). Must match the public "
            "address for the stored files to be the ones readers are served.",
        )

    def handle(self, *args, paper=None, force=False, site_url=None, prune=None, **options):
        paper = paper or settings.CRAMPS_HANDOUT_PAPER
        papers = PAPER_SIZES if paper == "all" else (paper,)
        site_url = site_url or settings.CRAMPS_SITE_URL
        if not site_url:
            raise CommandError("Set CRAMPS_SITE_URL or pass --site-url: handouts print the site's address.")
        documents = [
            *Article.objects.published().order_by("title"),
            *Nutrient.objects.published().order_by("title"),
        ]
        jobs = [(document, size) for document in documents for size in papers]
        counts: Counter[str] = Counter()
        failures = []
        for index, (document, size) in enumerate(jobs, start=1):
            label = f"{document._meta.model_name} {document.slug} ({size})"
            try:
                outcome = handout_render_now(parts=[document], paper=size, site_url=site_url, force=force)
            except HandoutError as error:
                outcome = "failed"
                failures.append(f"{label}: {error}")
            counts[outcome] += 1
            self._progress(index, len(jobs), f"{label}: {outcome}")
        summary = (
            f"{counts['rendered']} rendered, {counts['already stored']} already stored, "
            f"{counts['failed']} failed, of {len(jobs)}."
        )
        if counts["rendering elsewhere"]:
            summary += f" {counts['rendering elsewhere']} were being rendered by a worker."
        for failure in failures:
            self.stderr.write(failure)
        if failures:
            raise CommandError(summary)
        self.stdout.write(self.style.SUCCESS(summary))
        if prune is not None:
            deleted = handouts_prune(older_than=timedelta(days=prune), site_urls=[site_url])
            self.stdout.write(
                f"Pruned {deleted} stored handout{'s' if deleted != 1 else ''} unused for {prune} days."
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
