# The KeyVaults pricing tier of each subscription, from the pricing dumps of
# `az security pricing list` ({"value": [...]}), all in one call:
#   jq -r -f keyvaults-tier.jq pricings/*.json
# prints <subscription id> TAB <pricingTier>. Ids are printed as the dump
# has them (the CLI writes them lower case): jq 1.6 runs ascii_downcase as
# a jq-level map over every code point, which would time jq's string
# handling rather than the extraction.
.value[]
| select(.name == "KeyVaults")
| [(.id | split("/")[2]), .pricingTier]
| @tsv
