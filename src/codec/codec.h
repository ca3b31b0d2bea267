// The codec layer in one include: pictures, VP8, Opus, the test pattern and tone, and capture files.
#pragma once

#include "codec/capture_files.h"
#include "codec/opus.h"
#include "codec/picture.h"
#include "codec/test_pattern.h"
#include "codec/tone.h"
#include "codec/vp8.h"
