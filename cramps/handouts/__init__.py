"""PDF handouts of articles, nutrients and references (studies), singly or combined, for a
reader's doctor.

- ``document``: the handout as one HTML document (parts, one numbering, one reference list).
- ``render``: HTML to PDF with WeasyPrint, in a limited child process, loading only our files.
- ``keys``: a handout's key, a hash of everything that shows in it.
- ``models`` / ``store``: one row per rendered version; the PDFs in Django's storage.
- ``service``: what a request gets (stored PDF, queued render, failure), and queueing renders.
- ``tasks`` / ``rendering`` / ``prune``: the background work: claim and render one version,
  delete versions no page uses.
- ``receivers``: publishing a page queues its handouts.
- ``views``: the URLs readers use.
"""
