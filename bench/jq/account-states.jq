# The state of each subscription in `az account list --all` (a bare array):
#   jq -r -f account-states.jq accounts.json
# prints <subscription id> TAB <state> TAB <name>.
.[]
| [.id, .state, .name]
| @tsv
