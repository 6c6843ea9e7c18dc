#pragma once
// optim: every optimizer, every learning-rate schedule and early stopping, in one include.
// Start at optimizer.h (the base: param groups, state, step), then sgd.h and adam.h; the
// schedules start at schedulers/lr_scheduler.h; docs/optimizers.md has every update rule.
#include "optim/adadelta.h"
#include "optim/adagrad.h"
#include "optim/adam.h"
#include "optim/adamax.h"
#include "optim/adamw.h"
#include "optim/early_stopping.h"
#include "optim/lbfgs.h"
#include "optim/nadam.h"
#include "optim/newton.h"
#include "optim/optimizer.h"
#include "optim/rmsprop.h"
#include "optim/schedulers/cosine.h"
#include "optim/schedulers/cyclic.h"
#include "optim/schedulers/decay.h"
#include "optim/schedulers/lambda.h"
#include "optim/schedulers/lr_scheduler.h"
#include "optim/schedulers/plateau.h"
#include "optim/schedulers/sequential.h"
#include "optim/sgd.h"
