"""The data audit: duplicates and near-duplicates within and across splits
(:mod:`.duplicates`), label-issue candidates found by cleanlab from out-of-fold predicted
probabilities (:mod:`.label_issues`), class balance, and the findings table and galleries the
audit stage writes (:mod:`.findings`)."""
