#!/usr/bin/env bash
# SNIPER with negative chip mining in one go (the original's
# scripts/train_neg_props_and_sniper.sh):
#
#   tools/train_neg_props_and_sniper.sh CONFIG [GPUS] [train.py args ...]
#
#   (a) train the RPN twin of CONFIG (its `rpn_config` variable) for a short
#       schedule on positive chips only,
#   (b) extract that RPN's proposals of the training images at the training
#       scales (tools/extract_proposals.py) into CONFIG's `proposal_file`
#       (or $PROPOSAL_FILE),
#   (c) train CONFIG with negative chips mined from these proposals.
#
# Steps whose output already exists are skipped (FORCE=1 redoes them), so a
# failed run can simply be restarted. GPUS > 1 uses torchrun (dist_train.sh;
# nccl on GPUs, gloo processes on a machine without CUDA).
# Environment: WORK_DIR (default work_dirs/CONFIG_NAME), PROPOSAL_FILE,
# CFG_OPTIONS ("key=value ..." given to all three steps, e.g. a data root),
# PYTHON, FORCE, DRY_RUN=1 (print the commands only), PORT.
set -euo pipefail

if [ $# -lt 1 ]; then
    sed -n '2,19p' "$0"
    exit 2
fi
CONFIG=$1
GPUS=${2:-1}
shift $(($# >= 2 ? 2 : 1))
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PYTHON=${PYTHON:-python}
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
NAME=$(basename "$CONFIG" .py)
WORK_DIR=${WORK_DIR:-work_dirs/$NAME}

if [ ! -f "$CONFIG" ]; then
    echo "error: config not found: $CONFIG" >&2
    exit 2
fi
read -r MODEL_TYPE RPN_CONFIG CFG_PROPS < <("$PYTHON" - "$CONFIG" <<'EOF'
import sys
from mmengine.config import Config
cfg = Config.fromfile(sys.argv[1])
print(str(cfg.model.get('type', '-')).rsplit('.', 1)[-1],
      cfg.get('rpn_config', None) or '-',
      cfg.train_dataloader.dataset.get('proposal_file', None) or '-')
EOF
)
if [ "$MODEL_TYPE" = "RPN" ]; then
    echo "error: $CONFIG is an RPN config (step (a) itself); give the" \
         "detector config whose rpn_config names it" >&2
    exit 2
fi
if [ "$RPN_CONFIG" = "-" ] || [ ! -f "$RPN_CONFIG" ]; then
    echo "error: $CONFIG has no valid rpn_config (got '$RPN_CONFIG'); set" \
         "rpn_config = 'configs/rpn/sniper_rpn_...py' in it" >&2
    exit 2
fi
PROPS=${PROPOSAL_FILE:-$CFG_PROPS}
[ "$PROPS" = "-" ] && PROPS=$WORK_DIR/proposals_train.pkl
RPN_WORK=$WORK_DIR/rpn
read -r -a OPTS <<< "${CFG_OPTIONS:-}"

run() {
    echo "+ $*"
    if [ "${DRY_RUN:-0}" != "1" ]; then "$@"; fi
}
train() {  # train CONFIG [args]
    local cfg=$1
    shift
    if [ "$GPUS" -gt 1 ]; then
        run bash "$ROOT/tools/dist_train.sh" "$cfg" "$GPUS" "$@"
    else
        run "$PYTHON" "$ROOT/tools/train.py" "$cfg" "$@"
    fi
}

# (a) RPN on positive chips
if [ "${FORCE:-0}" = "1" ] || [ ! -f "$RPN_WORK/last_checkpoint" ]; then
    echo "== (a) training the RPN $RPN_CONFIG"
    train "$RPN_CONFIG" --work-dir "$RPN_WORK" \
        ${OPTS[@]+--cfg-options "${OPTS[@]}"}
else
    echo "== (a) skipped: $RPN_WORK/last_checkpoint exists"
fi
if [ "${DRY_RUN:-0}" = "1" ]; then
    CKPT=$RPN_WORK/epoch_N.pth
else
    CKPT=$(cat "$RPN_WORK/last_checkpoint")
fi

# (b) proposals of the training images
if [ "${FORCE:-0}" = "1" ] || [ ! -f "$PROPS" ]; then
    echo "== (b) extracting proposals with $CKPT into $PROPS"
    if [ "$GPUS" -gt 1 ]; then
        run "$PYTHON" -m torch.distributed.run --nproc_per_node="$GPUS" \
            --master_port="${PORT:-29501}" \
            "$ROOT/tools/extract_proposals.py" "$RPN_CONFIG" "$CKPT" \
            --out "$PROPS" --launcher pytorch \
            ${OPTS[@]+--cfg-options "${OPTS[@]}"}
    else
        run "$PYTHON" "$ROOT/tools/extract_proposals.py" "$RPN_CONFIG" \
            "$CKPT" --out "$PROPS" ${OPTS[@]+--cfg-options "${OPTS[@]}"}
    fi
else
    echo "== (b) skipped: $PROPS exists"
fi

# (c) SNIPER with negative chips
echo "== (c) training $CONFIG with negative chips"
train "$CONFIG" --work-dir "$WORK_DIR" --cfg-options \
    train_dataloader.dataset.use_neg_chips=True \
    "train_dataloader.dataset.proposal_file=$PROPS" ${OPTS[@]+"${OPTS[@]}"} \
    "$@"
