"""``ruleengine doc``: the law woven with its rules, as a static site and Markdown (docs/doc.md).

``model`` works out what each article shows, ``words`` puts conditions into words, ``site``
writes the pages from the templates (Jinja2: the ``doc`` extra), ``links`` checks that every
link written lands on a page and an anchor that exist.
"""
