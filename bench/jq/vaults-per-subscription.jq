# The number of key vaults of each subscription, from one `az graph query`
# dump ({"count", "data": [...], "skip_token", "total_records"}):
#   jq -r -f vaults-per-subscription.jq keyvaults.json
# prints <subscription id> TAB <vaults>, in order of first appearance.
# setpath/getpath, not `.[$k] += 1`: jq 1.6 expands `+=` with a reference
# to the whole accumulator, so every update copies it (quadratic: 26 s
# instead of 2.5 s on the large tenant).
reduce .data[].subscriptionId as $k ({}; setpath([$k]; getpath([$k]) + 1))
| to_entries[]
| "\(.key)\t\(.value)"
