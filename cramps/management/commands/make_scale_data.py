"""Build the scale data set: many published articles, nutrients and references, quickly.

For benchmarks and checks that pages stay bounded at scale (issue 13): ``--articles 10000
--references 50000`` by default builds 10,000 articles, 1,000 nutrients and 50,000 references.
Rows are written with ``bulk_create`` in batches, each page's cached HTML rendered first and its
citation rows numbered by ``references.citations.cited_keys`` (the rule ``citations_sync`` uses),
so the pages look as if editors had saved them. Every row's key or slug starts with ``scale-``;
``--replace`` deletes the previous scale rows first.
"""

import random
from itertools import accumulate

from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from taggit.models import Tag, TaggedItem

from cramps import pagecache
from cramps.models import Article, Citation, Nutrient, Status
from references.citations import cited_keys
from references.models import Reference

PREFIX = "scale-"
BATCH = 1000
TAGS = 200
WORDS = ("magnesium cramps muscle nocturnal leg vitamin neuropathy calcium potassium zinc deficiency "
         "trial cohort review adults older pregnancy dialysis cirrhosis exercise quinine stretching sleep "
         "nerve tingling numbness supplement dose diet kidney heart blood level night calf foot hand "
         "symptom cause treatment evidence study placebo benefit risk").split()  # fmt: skip


FILLER_WORDS = 4000
TOPICS_PER_PAGE = 3
TOPIC_SHARE = 0.15  # of a page's words; the rest are filler words


def filler_vocabulary(count: int) -> list[str]:
    """Made-up words (``bakeli``, ``tomura``…): the text around each page's topic words."""
    onsets, vowels = "bdfgklmnprstvz", "aeiou"
    syllables = [onset + vowel for onset in onsets for vowel in vowels]
    words = [a + b + c for a in syllables for b in syllables for c in syllables]
    return random.Random(0).sample(words, count)


class Command(BaseCommand):
    help = (
        "Build the scale data set (published articles, nutrients and references with tags, related "
        "nutrients and citations) for benchmarks. Keys and slugs start with 'scale-'."
    )

    def add_arguments(self, parser):
        parser.add_argument("--articles", type=int, default=10_000)
        parser.add_argument("--nutrients", type=int, default=1_000)
        parser.add_argument("--references", type=int, default=50_000)
        parser.add_argument("--seed", type=int, default=1, help="The same seed builds the same data.")
        parser.add_argument("--replace", action="store_true", help="Delete earlier scale rows first.")
        parser.add_argument("--dry-run", action="store_true", help="Say what would be built; write nothing.")

    def handle(self, *args, articles: int, nutrients: int, references: int, seed: int, replace: bool,
               dry_run: bool, **options):  # fmt: skip
        if min(articles, nutrients, references) < 0 or (articles and not references):
            raise CommandError("Counts must be 0 or more, and articles need references to cite.")
        existing = (
            Reference.objects.filter(key__startswith=PREFIX).exists()
            or Article.objects.filter(slug__startswith=PREFIX).exists()
        )
        if existing and not replace:
            raise CommandError("Scale data is already here: pass --replace to build it again.")
        plan = f"{articles} articles, {nutrients} nutrients and {references} references"
        if dry_run:
            self.stdout.write(f"Would build {plan}.")
            return
        self.rng = random.Random(seed)
        # Text reads like real pages: a few topics each, filler words in a Zipf distribution, so
        # a search for a topic matches some pages, not nearly all of them.
        self.filler = filler_vocabulary(FILLER_WORDS)
        self.filler_weights = list(accumulate(1 / rank for rank in range(1, FILLER_WORDS + 1)))
        with transaction.atomic():
            if existing:
                self._delete()
            tags = self._tags()
            reference_keys = self._references(references)
            nutrient_pks = self._nutrients(nutrients, tags)
            self._articles(articles, tags, reference_keys, nutrient_pks)
            # bulk_create sends no signal: say to the page cache that every list has changed.
            pagecache.bump(pagecache.DOCUMENTS, pagecache.REFERENCES)
        if connection.vendor == "postgresql":
            # Fresh statistics, so that the planner sees the new rows as they are; and, where it
            # can run (not inside a transaction), VACUUM writes the visibility map autovacuum
            # soon would, so that counts read an index alone as on a site that has been up a while.
            command = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
            with connection.cursor() as cursor:
                for model in (Article, Nutrient, Reference, Citation, TaggedItem):
                    cursor.execute(f"{command} {model._meta.db_table}")
        self.stdout.write(self.style.SUCCESS(f"Built {plan}."))

    def _topics(self) -> list[str]:
        return self.rng.sample(WORDS, TOPICS_PER_PAGE)

    def _words(self, count: int, topics: list[str]) -> str:
        topical = sum(self.rng.random() < TOPIC_SHARE for _ in range(count))
        words = [self.rng.choice(topics) for _ in range(topical)]
        words += self.rng.choices(self.filler, cum_weights=self.filler_weights, k=count - topical)
        self.rng.shuffle(words)
        return " ".join(words)

    def _delete(self) -> None:
        for model in (Article, Nutrient):
            pks = list(model.objects.filter(slug__startswith=PREFIX).values_list("pk", flat=True))
            content_type = ContentType.objects.get_for_model(model)
            Citation.objects.filter(content_type=content_type, object_id__in=pks).delete()
            TaggedItem.objects.filter(content_type=content_type, object_id__in=pks).delete()
            model.objects.filter(pk__in=pks).delete()
        Reference.objects.filter(key__startswith=PREFIX).delete()
        Tag.objects.filter(slug__startswith=PREFIX).delete()

    def _tags(self) -> list[Tag]:
        Tag.objects.bulk_create(
            [Tag(name=f"{PREFIX}topic {n}", slug=f"{PREFIX}topic-{n}") for n in range(TAGS)],
            ignore_conflicts=True,
        )
        return list(Tag.objects.filter(slug__startswith=PREFIX))

    def _references(self, count: int) -> list[str]:
        rows = []
        for n in range(count):
            topics = self._topics()
            reference = Reference(
                key=f"{PREFIX}r{n}",
                title=f"{topics[0].capitalize()} {self._words(7, topics)} ({n})",
                authors=[
                    {"family": self.rng.choice(WORDS).title() + str(n % 97), "given": "A. B."}
                    for _ in range(self.rng.randint(1, 4))
                ],  # fmt: skip
                container_title=f"Journal of {self.rng.choice(WORDS).title()}",
                issued_year=1980 + n % 45,
                volume=str(n % 60),
                pages=f"{n % 900}-{n % 900 + 9}",
                pmid=str(40_000_000 + n) if n % 3 == 0 else "",
                doi=f"10.5555/scale.{n}" if n % 5 else "",
                abstract=self._words(40, topics),
            )
            reference.set_derived_fields()
            rows.append(reference)
        Reference.objects.bulk_create(rows, batch_size=BATCH)
        return [row.key for row in rows]

    def _nutrients(self, count: int, tags: list[Tag]) -> list[int]:
        rows = []
        for n in range(count):
            topics = self._topics()
            nutrient = Nutrient(
                title=f"Scale nutrient {n}",
                slug=f"{PREFIX}nutrient-{n}",
                aliases=f"scalium {n}, {self.rng.choice(WORDS)}ate",
                summary=self._words(20, topics).capitalize() + ".",
                body=f"## What it is\n\n{self._words(120, topics)}.\n\n## Evidence\n\n{self._words(120, topics)}.",
                status=Status.PUBLISHED,
            )
            nutrient.render()
            rows.append(nutrient)
        Nutrient.objects.bulk_create(rows, batch_size=BATCH)
        pks = list(Nutrient.objects.filter(slug__startswith=PREFIX).values_list("pk", flat=True))
        self._tag(Nutrient, pks, tags)
        return pks

    def _articles(self, count: int, tags: list[Tag], keys: list[str], nutrient_pks: list[int]) -> None:
        known = {}
        for start in range(0, count, BATCH):
            rows = []
            for n in range(start, min(count, start + BATCH)):
                cites = self.rng.sample(keys, k=min(3, len(keys)))
                topics = self._topics()
                article = Article(
                    title=f"{topics[0].capitalize()} and {topics[1]}: {self._words(4, topics)} {n}",
                    slug=f"{PREFIX}article-{n}",
                    summary=self._words(25, topics).capitalize() + f" [@{cites[0]}].",
                    body=(f"## Background\n\n{self._words(150, topics)} [@{cites[1]}].\n\n"
                          f"## What the studies show\n\n{self._words(150, topics)} [@{cites[2]}; @{cites[0]}]."),
                    status=Status.PUBLISHED,
                )  # fmt: skip
                article.render()
                rows.append(article)
            Article.objects.bulk_create(rows)
            saved = list(
                Article.objects.filter(slug__in=[row.slug for row in rows]).only("pk", "summary", "body")
            )
            cited = {key for article in saved for key in cited_keys([article.summary, article.body])}
            known.update(
                Reference.objects.in_bulk([key for key in cited if key not in known], field_name="key")
            )
            content_type = ContentType.objects.get_for_model(Article)
            Citation.objects.bulk_create(
                Citation(content_type=content_type, object_id=article.pk, reference_id=known[key].pk, number=number)
                for article in saved
                for number, key in enumerate(cited_keys([article.summary, article.body]), start=1)
            )  # fmt: skip
            pks = [article.pk for article in saved]
            self._tag(Article, pks, tags)
            if nutrient_pks:
                through = Article.related_nutrients.through
                through.objects.bulk_create(
                    through(article_id=pk, nutrient_id=nutrient)
                    for pk in pks
                    for nutrient in set(self.rng.sample(nutrient_pks, k=min(2, len(nutrient_pks))))
                )
            self.stdout.write(f"  {min(count, start + BATCH)} articles…")

    def _tag(self, model, pks: list[int], tags: list[Tag]) -> None:
        content_type = ContentType.objects.get_for_model(model)
        TaggedItem.objects.bulk_create(
            (TaggedItem(content_type=content_type, object_id=pk, tag=tag)
             for pk in pks for tag in self.rng.sample(tags, k=min(3, len(tags)))),
            batch_size=BATCH,
        )  # fmt: skip
