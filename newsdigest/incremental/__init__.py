"""The build cache, as a layer beside the build (nothing in the model exists for it).

The interface the build uses:
  stamp.input_stamp / read_stamp / stamp_holds / write_stamp
      -- the stat of every input: an unchanged stamp stops a build before it reads anything.
  store.BuildCache(config).data / .save(data)
      -- plain data of the last good build (content file stats, Facts by file hash, each
         output's key), as a marshal base and a small delta.
  store.ArticleStore(config).get(sha) / .has(sha) / .save(kept, parsed, count) / .heal(current)
      -- parsed Articles by content-file hash, each pickle sealed and loaded on demand;
         saved as the content is parsed, before the render, which reads it.
  keys.Fingerprints(article_keys).key_and_articles(salt, page, reads)
      -- an output's key, a fingerprint of what it reads (template, config, its context),
         and the articles it counted.
  depends.PlanReads(depends.last_reuse(...)) / PlanSite / index_data(...)
      -- the plan's dependency index: what each unit of the plan read, so that a build
         plans only the units whose reads changed (plan.py's `out.units`).
  changes.collisions_possible(old, new) / RelatedMemo / stale_related(last, lists, window)
      -- the two rules left about what a change can affect, pure functions with a table
         test: whether collisions can have appeared, which related lists to compute again.
A cache file that is unreadable, fails its seal or was written by another version is
discarded with a notice, and the build runs cold.
"""
