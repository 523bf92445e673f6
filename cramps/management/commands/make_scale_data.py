"""``make_scale_data``: a large synthetic site for measuring pages at scale (bench, query counts).

Everything is written with ``bulk_create`` in one transaction, so no receiver runs: the command
writes the derived data itself (rendered HTML, citation rows) and then bumps the page cache's
list versions. Rows are marked as synthetic ("Scale …", keys ``scale…``, slugs ``scale-…``).
"""

import random
import time

from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone
from taggit.models import Tag, TaggedItem

from references.models import Reference

from ... import pagecache
from ...models import FAQ, Article, Citation, FoodSource, KeyPoint, Nutrient, Status

BATCH = 2000
CITATIONS_PER_PAGE = 6
BODY = """Synthetic text for measuring the site at scale; it is not health information.

## Background

This paragraph cites one source [@{0}] and then two more [@{1}; @{2}].

## What the studies found

A second section, with a citation that has a locator [@{3}, p. 12].

## In practice

A closing section [@{4}] that also mentions an earlier source again [@{0}; @{5}].
"""


SYLLABLES = "ka lo mi ren sa to vu bel dor fen gri hal jun kor lin mar nor pel quin ros sil tam ul ver wen yor zan".split()


def synthetic_word(n: int) -> str:
    """A made-up word for ``n`` (three syllables, 19,683 of them): varied text, as real names are,
    so that the reference search's indexes are as selective as on real data."""
    count = len(SYLLABLES)
    return SYLLABLES[n % count] + SYLLABLES[n // count % count] + SYLLABLES[n // count**2 % count]


def _chunks(items: list, size: int = BATCH):
    for start in range(0, len(items), size):
        yield items[start : start + size]


class Command(BaseCommand):
    help = (
        "Add a large synthetic data set (pages, references, tags, citations) for benchmarks: "
        "by default 10,000 articles, 1,000 nutrients and 50,000 references. Refuses to run twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("--articles", type=int, default=10_000)
        parser.add_argument("--nutrients", type=int, default=1_000)
        parser.add_argument("--references", type=int, default=50_000)
        parser.add_argument("--tags", type=int, default=300)
        parser.add_argument("--seed", type=int, default=13, help="Seed for the random choices (repeatable).")

    def handle(self, *args, articles: int, nutrients: int, references: int, tags: int, seed: int, **options):
        if min(articles, nutrients, references, tags) < 0 or references < CITATIONS_PER_PAGE:
            raise CommandError(f"Counts must be positive, with at least {CITATIONS_PER_PAGE} references.")
        if Reference.objects.filter(key__startswith="scale").exists():
            raise CommandError("Scale data is already loaded (references with keys scale…).")
        started = time.monotonic()
        rng = random.Random(seed)
        with transaction.atomic():
            keys = self._references(references)
            tag_rows = Tag.objects.bulk_create(
                [Tag(name=f"Scale topic {n:03d}", slug=f"scale-topic-{n:03d}") for n in range(tags)]
            )
            made_nutrients = self._documents(Nutrient, "nutrient", nutrients, keys, rng)
            made_articles = self._documents(Article, "article", articles, keys, rng)
            self._inlines(made_articles, made_nutrients, rng)
            self._tags(made_articles + made_nutrients, tag_rows, rng)
            through = Article.related_nutrients.through
            if made_nutrients:
                links = {
                    (article.pk, rng.choice(made_nutrients).pk) for article in made_articles for _ in range(2)
                }
                through.objects.bulk_create(
                    [through(article_id=a, nutrient_id=n) for a, n in links], batch_size=BATCH
                )
            pagecache.bump(pagecache.DOCUMENTS, pagecache.REFERENCES)
        if connection.vendor == "postgresql":
            # Fresh statistics, so that the planner knows the tables are large now.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        self.stdout.write(
            self.style.SUCCESS(
                f"Added {articles} articles, {nutrients} nutrients, {references} references and "
                f"{tags} topics in {time.monotonic() - started:.1f}s."
            )
        )

    def _references(self, count: int) -> list[str]:
        rows = []
        for n in range(count):
            family = synthetic_word(n * 7919).capitalize()
            reference = Reference(
                key=f"scale{n:06d}",
                title=f"Scale reference {n}: {synthetic_word(n * 104729)} and {synthetic_word(n + 3)} in a synthetic trial",
                authors=[
                    {"family": family, "given": "A."},
                    {"family": synthetic_word(n * 31).capitalize(), "given": "B."},
                ],
                container_title="Journal of Synthetic Data",
                issued_year=1980 + n % 45,
                volume=str(n % 60 + 1),
                pages=f"{n % 900 + 1}-{n % 900 + 9}",
            )
            reference.authors_text = f"{family} A; {synthetic_word(n * 31).capitalize()} B"
            reference.match_title = reference.title.lower()[:200]
            rows.append(reference)
        for chunk in _chunks(rows):
            Reference.objects.bulk_create(chunk)
        return [reference.key for reference in rows]

    def _documents(self, model, kind: str, count: int, keys: list[str], rng: random.Random) -> list:
        now = timezone.now()
        pages, cited = [], []
        for n in range(count):
            chosen = rng.sample(keys, CITATIONS_PER_PAGE)
            page = model(
                title=f"Scale {kind} {n:05d}",
                slug=f"scale-{kind}-{n:05d}",
                summary=f"A synthetic {kind} for measuring the site at scale [@{chosen[0]}].",
                body=BODY.format(*chosen),
                status=Status.PUBLISHED,
                featured=n < 3,
                created=now,
                updated=now,
            )
            page.render()
            pages.append(page)
            cited.append(chosen)
        for chunk in _chunks(pages):
            model.objects.bulk_create(chunk)
        references = Reference.objects.in_bulk({key for chosen in cited for key in chosen}, field_name="key")
        content_type = ContentType.objects.get_for_model(model)
        rows = [
            Citation(content_type=content_type, object_id=page.pk, reference=references[key], number=number)
            for page, chosen in zip(pages, cited, strict=True)
            for number, key in enumerate(chosen, start=1)
        ]
        Citation.objects.bulk_create(rows, batch_size=BATCH)
        return pages

    def _inlines(self, articles: list, nutrients: list, rng: random.Random) -> None:
        rows = []
        for article in articles:
            for position in range(2):
                point = KeyPoint(
                    article=article, position=position, text=f"Synthetic key point {position + 1}."
                )
                point.render()
                rows.append(point)
        KeyPoint.objects.bulk_create(rows, batch_size=BATCH)
        faqs = []
        for article in articles:
            faq = FAQ(
                article=article, position=0, question="A synthetic question?", answer="A synthetic answer."
            )
            faq.render()
            faqs.append(faq)
        FAQ.objects.bulk_create(faqs, batch_size=BATCH)
        foods = []
        for nutrient in nutrients:
            for position in range(3):
                food = FoodSource(
                    nutrient=nutrient, position=position, food=f"Food {rng.randrange(500)}", amount="1 mg"
                )
                food.render()
                foods.append(food)
        FoodSource.objects.bulk_create(foods, batch_size=BATCH)

    def _tags(self, pages: list, tags: list[Tag], rng: random.Random) -> None:
        """Three topics a page; the first topic is on about a third of pages (a popular tag page)."""
        if not tags:
            return
        rows = set()
        for page in pages:
            content_type = ContentType.objects.get_for_model(page)
            chosen = {rng.choice(tags) for _ in range(2)}
            if rng.random() < 0.33:
                chosen.add(tags[0])
            rows.update((tag.pk, content_type.pk, page.pk) for tag in chosen)
        TaggedItem.objects.bulk_create(
            [TaggedItem(tag_id=t, content_type_id=c, object_id=o) for t, c, o in rows], batch_size=BATCH
        )
