import type { PythonContext, Rule } from '../engine/rule';
import { isFrom } from './shared/python-patterns';
import { callRange } from './shared/ranges';

const DOCSTRING_WARNING =
  'It is recommended to use `DistributedDataParallel`, instead of this class, to do multi-GPU training, even if there is only a single node.';

/**
 * `torch.nn.DataParallel(...)` whatever the spelling: `nn.DataParallel`, `torch.nn.parallel.DataParallel`,
 * `torch.nn.parallel.data_parallel.DataParallel`, `from torch.nn import DataParallel as DP`. Only
 * calls count: `isinstance(model, nn.DataParallel)` and a subclass definition do not create one.
 */
function checkPython(context: PythonContext): void {
  const { source } = context;
  for (const call of source.nodes('call')) {
    const callee = source.calleeName(call);
    if (!isFrom(callee, 'torch.nn', 'DataParallel')) continue;
    context.report({
      ...callRange(source, call),
      message:
        `torch.nn.DataParallel drives every GPU from one Python process: each forward pass re-replicates the model, scatters the inputs and gathers the outputs on the first GPU, so the GPUs wait on each other and on the interpreter. ` +
        `The PyTorch docs warn: "${DOCSTRING_WARNING}" Use torch.nn.parallel.DistributedDataParallel (one process per GPU, launched with torchrun --nproc_per_node=<number of GPUs>); the PyTorch performance tuning guide lists "use DistributedDataParallel instead of DataParallel".`,
    });
  }
}

export const dataParallel: Rule = {
  id: 'data-parallel',
  title: 'Multi-GPU training with torch.nn.DataParallel',
  defaultSeverity: 'warning',
  sources: ['python'],
  fixAvailability: 'never',
  fixSafety: 'none',
  // torch.nn.DataParallel, not DistributedDataParallel (which contains the word).
  triggers: [['DataParallel', 'torch', /(?<!Distributed)DataParallel/]],
  docs: {
    whatItDoes:
      'Flags every call that wraps a model in torch.nn.DataParallel, whatever the import spelling (`nn.DataParallel`, `torch.nn.parallel.DataParallel`, `from torch.nn import DataParallel as DP`). A class of your own named DataParallel, `isinstance(model, nn.DataParallel)` checks and DistributedDataParallel are not flagged. There is no automatic fix: moving to DistributedDataParallel changes how the script is launched.',
    whyItWastesEnergy:
      'DataParallel is single-process and multi-threaded: on every forward pass it copies the model to each GPU again, splits the batch, and gathers the outputs on the first GPU, all driven by one Python interpreter. The GPUs spend part of every step idle while they draw power. The DataParallel docstring itself says: "' +
      DOCSTRING_WARNING +
      '" The PyTorch performance tuning guide gives the same advice. DistributedDataParallel runs one process per GPU, keeps a replica on each GPU for the whole run, and overlaps the gradient all-reduce with the backward pass.',
    example: {
      language: 'python',
      code: ['import torch', 'import torch.nn as nn', '', 'model = nn.Linear(10, 10).cuda()', 'model = nn.DataParallel(model)'].join('\n'),
    },
    useInstead: {
      language: 'python',
      code: [
        '# launch with: torchrun --nproc_per_node=4 train.py',
        'import os',
        'import torch',
        'import torch.distributed as dist',
        'import torch.nn as nn',
        'from torch.nn.parallel import DistributedDataParallel as DDP',
        '',
        'dist.init_process_group("nccl")',
        'local_rank = int(os.environ["LOCAL_RANK"])',
        'torch.cuda.set_device(local_rank)',
        'model = DDP(nn.Linear(10, 10).cuda(), device_ids=[local_rank])',
      ].join('\n'),
    },
    fixSafety:
      'No fix is offered. DistributedDataParallel needs a process group (`torch.distributed.init_process_group`), one process per GPU started by torchrun, a DistributedSampler (or per-rank data sharding), and saving/logging on rank 0 only: a change to the script and to how it is launched, not a text edit.',
    sources: [
      'torch.nn.DataParallel docstring warning (torch 2.14.1) — pytorch/pytorch torch/nn/parallel/data_parallel.py',
      'PyTorch Performance Tuning Guide, "Use DistributedDataParallel instead of DataParallel" — https://pytorch.org/tutorials/recipes/recipes/tuning_guide.html',
      'Getting Started with Distributed Data Parallel (torchrun) — https://pytorch.org/tutorials/intermediate/ddp_tutorial.html',
    ],
  },
  checkPython,
};
