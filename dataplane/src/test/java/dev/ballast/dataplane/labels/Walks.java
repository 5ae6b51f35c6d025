package dev.ballast.dataplane.labels;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** The Docker Flow labels (without {@code com.df.}) whose effect a walk test proves; see {@link LabelCoverageTest}. */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
@interface Walks {
    String[] value();
}
