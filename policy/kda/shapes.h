/*
 * Validation of a kinesisanalyticsv2 request against AWS's request shapes
 * (botocore's service model, reduced to what validation needs in
 * policy/kda_model.c by policy/gen-kda-model.py).
 *
 * Checked, at every depth: the JSON type of each member against its shape
 * (structure, list, map, string, integer/long, boolean, timestamp, blob),
 * members a structure does not have (refused), required members, min and
 * max (string and blob length in characters, list and map entries, number
 * values) and enums.  Not checked: the shapes' regular expression patterns
 * (docs/policy-engine.md, "Request shapes", says why).
 *
 * The model is parsed once, on first use, and shared read-only between
 * threads.  Functions follow cg_err.h; nothing prints.
 */
#ifndef CMKGATE_SHAPES_H
#define CMKGATE_SHAPES_H

struct cg_buf;
struct json_object;

extern const char kda_model_json[];

/*
 * Validates input as the request of operation.  CG_ERR_PARSE with the
 * member's path and what is wrong in why ("ApplicationConfigurationUpdate.
 * FlinkApplicationConfigurationUpdate.ParallelismConfigurationUpdate.
 * ParallelismUpdate: 0 is less than the minimum 1"); CG_ERR_NOT_FOUND for
 * an operation the model does not have; CG_ERR_INTERNAL when the built-in
 * model cannot be read (a build problem).
 */
int shapes_validate(const char *operation, struct json_object *input, struct cg_buf *why);

#endif
